# `make html` builds the site in both languages; `make test` runs the tests.
# Both first install what they need (Debian packages and the Python package).
PYTHON ?= python3
STAMP := _build/.installed
# Use this checkout's package even if another checkout is installed in editable mode.
export PYTHONPATH := $(CURDIR)/src$(if $(PYTHONPATH),:$(PYTHONPATH))

.PHONY: html test gettext install
install: $(STAMP)

$(STAMP): pyproject.toml scripts/install-system-deps.sh
	bash scripts/install-system-deps.sh
	$(PYTHON) -m pip install --quiet -e ".[test,demos]"
	mkdir -p _build && touch $@

html: $(STAMP)
	$(PYTHON) -m compression_survey.build html

# `make gettext ONLY="docs/chapters/pruning"` updates only those documents' catalogs.
gettext: $(STAMP)
	$(PYTHON) -m compression_survey.build gettext $(if $(ONLY),--only $(ONLY))

test: $(STAMP)
	$(PYTHON) -m pytest

# --- offline formats (issue 10): PDF and EPUB per language, zip of the HTML site ---
.PHONY: pdf epub offline-zip
pdf: $(STAMP)
	$(PYTHON) -m compression_survey.build pdf

epub: $(STAMP)
	$(PYTHON) -m compression_survey.build epub

offline-zip: $(STAMP)
	$(PYTHON) -m compression_survey.build offline-zip

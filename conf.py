"""Sphinx configuration of the model-compression survey (both languages).

Build one language with ``-D language=en`` or ``-D language=zh_CN``;
``python -m compression_survey.build`` builds both.  Logic lives in
``src/compression_survey``; this file only declares settings.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "src"))

# -- Project ------------------------------------------------------------------
project = "Model Compression Survey"
author = "The Model Compression Survey authors"
copyright = "2026, The Model Compression Survey authors"
release = "0.1"

# -- General ------------------------------------------------------------------
extensions = [
    "myst_nb",
    "sphinx.ext.imgmath",
    "sphinxcontrib.bibtex",
    "compression_survey.sphinxext",
]
root_doc = "docs/index"
include_patterns = ["docs/**", "notebooks/**"]
exclude_patterns = ["_build", "docs/locale", "**/.ipynb_checkpoints"]
language = "en"
nitpicky = True

myst_enable_extensions = ["colon_fence", "dollarmath", "amsmath", "deflist"]
myst_heading_anchors = 3

# Math: rendered at build time by LaTeX + dvisvgm and embedded as SVG, so
# pages work offline (no MathJax from a CDN).
imgmath_image_format = "svg"
imgmath_embed = True
imgmath_font_size = 14
# imgmath_latex_preamble: set by compression_survey.latex (one math preamble for HTML and PDF)

# Notebooks: executed during the build, cached, and any cell error fails it.
nb_execution_mode = "cache"
nb_execution_cache_path = "_build/.jupyter_cache"
nb_execution_raise_on_error = True
nb_execution_timeout = 120
nb_execution_show_tb = True
nb_merge_streams = True

# Translations: docs/locale/<lang>/LC_MESSAGES/<docname>.po
locale_dirs = ["docs/locale/"]
gettext_compact = False
gettext_uuid = False
gettext_location = True

# Bibliography
bibtex_bibfiles = ["references.bib"]
bibtex_default_style = "survey"  # plain, labelled by citation key (compression_survey.bibstyle)
bibtex_reference_style = "author_year"
bibtex_tooltips = False
survey_bibliography = "references.bib"
survey_taxonomy = "taxonomy.yaml"
survey_terminology = "terminology.yaml"  # glossary, Chinese search words, terminology check
# Files a notebook reads: their digests enter its execution-cache key.
survey_notebook_inputs = {
    "notebooks/*": ["src/compression_survey/**/*.py"],
    "notebooks/literature_statistics": ["references.bib", "taxonomy.yaml"],
}

# -- HTML ---------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = "Model Compression Survey"
survey_titles = {"en": "Model Compression Survey", "zh_CN": "模型压缩综述"}  # html_title per language
html_theme_options = {
    "article_header_end": ["language-switch.html", "article-header-buttons.html"],
    "use_download_button": True,
    "home_page_in_toc": True,
    "show_toc_level": 2,
}
html_last_updated_fmt = None
html_copy_source = True

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
exclude_patterns = ["_build", "docs/locale", "docs/_static", "**/.ipynb_checkpoints"]
language = "en"
nitpicky = True

myst_enable_extensions = ["colon_fence", "dollarmath", "amsmath", "deflist"]
myst_heading_anchors = 3
myst_update_mathjax = False  # formulas are images (imgmath); MathJax is never loaded

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
nb_execution_timeout = 900  # a guard against a hung kernel, not a time budget (benchmarks/ measures time)
nb_execution_show_tb = True
nb_merge_streams = True

# Translations: docs/locale/<lang>/LC_MESSAGES/<docname>.po
locale_dirs = ["docs/locale/"]
gettext_compact = False
gettext_uuid = False
gettext_location = True

# Bibliography
bibtex_bibfiles = ["references.bib"]
# plain, labelled by citation key; author–year citations (Chinese forms in Chinese: compression_survey.bibstyle)
bibtex_default_style = "survey"
bibtex_reference_style = "author_year"
bibtex_tooltips = False
survey_bibliography = "references.bib"
survey_taxonomy = "taxonomy.yaml"
survey_terminology = "terminology.yaml"  # glossary, Chinese search words, terminology check
# Files a notebook reads: their digests enter its execution-cache key.
survey_notebook_inputs = {
    "notebooks/*": [
        "src/compression_survey/__init__.py",
        "src/compression_survey/compression/*.py",
        "src/compression_survey/demos.py",
        "src/compression_survey/plotting.py",
        "src/compression_survey/targets.py",
    ],
    "notebooks/literature_statistics": [
        "references.bib",
        "taxonomy.yaml",
        "src/compression_survey/bibliography.py",
        "src/compression_survey/stats.py",
        "src/compression_survey/taxonomy.py",
    ],
}

# -- HTML ---------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = "Model Compression Survey"
html_favicon = "docs/_static/favicon.svg"
# Options whose value depends on the build language (applied by compression_survey.sphinxext).
survey_per_language = {
    "html_title": {"en": "Model Compression Survey", "zh_CN": "模型压缩综述"},
    "author": {"en": "The Model Compression Survey authors", "zh_CN": "《模型压缩综述》作者"},
    "copyright": {"en": "2026, The Model Compression Survey authors", "zh_CN": "2026，《模型压缩综述》作者"},
}
html_theme_options = {
    "article_header_end": ["language-switch.html", "article-header-buttons.html"],
    "use_download_button": True,
    "home_page_in_toc": True,
    "show_toc_level": 2,
    # the values the themes would otherwise fill in while building, which made
    # every build see a changed configuration (compression_survey.site.stable_config)
    "navbar_persistent": [],
    "icon_links": [],
    "logo": {},
}
html_context = {"default_mode": "auto"}  # light or dark, as the reader's system prefers
html_search_scorer = "src/compression_survey/search_scorer.js"  # title lists rank below the chapters
html_permalinks_icon = "#"
html_sourcelink_suffix = ""
html_last_updated_fmt = None
html_copy_source = True

# -- EPUB ---------------------------------------------------------------------
# The vendored table library's notes and licence are for the web site's sources, not the book.
epub_exclude_files = ["_static/vendor/README.md", "_static/vendor/datatables/License.txt"]

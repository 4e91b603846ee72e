"""What the reader of the HTML site gets, beyond the pages' content.

* :func:`check_written_pages` — after an HTML build, every page in the
  output folder is scanned for what a reader would see as an error (a
  docutils system message, a "problematic" node, a formula LaTeX could not
  render); each is reported as a warning, so a strict build fails even when
  the page was written by an earlier run and not re-read in this one.
* :func:`clean_output` — no build leftovers in the published tree: source
  maps are removed, and MyST-NB's executed notebooks are written beside the
  doctrees (per language) instead of into the site's parent folder.
* :func:`write_root_redirect` — ``index.html`` at the root of each language
  (Read the Docs serves ``/<lang>/<version>/`` from it) leading to the home page.
* :func:`use_theme_translations` — the project's Chinese translations of the
  theme's interface strings (``locale/zh_CN/LC_MESSAGES/*.po`` beside this
  file) take precedence over the themes' own, which are missing or in
  Taiwanese usage (列印成 PDF).
* :class:`ChineseSearch` — Sphinx 9.0's Chinese search language writes
  ``window.Stemmer = ChineseStemmer`` but ships only the English stemmer, so
  every Chinese search fails in the browser (sphinx-doc/sphinx#14229, fixed
  upstream in 9.2, which needs Python ≥ 3.13); this subclass names the
  stemmer that is shipped.
* :func:`save_search_index_entries` / :func:`restore_search_index_entries`
  — the index entries of the search index (glossary terms, ``index``
  directives) survive an incremental build.  Sphinx 9.0 collects them while
  writing pages, after it has saved the environment, so a page that is not
  rewritten loses its entries from ``searchindex.js``; these handlers keep
  them beside the doctrees and put them back before writing.
* :func:`copy_notebook_css_before_writing` — a page written by an
  incremental build is byte-identical to the same page of a clean build.
* :func:`language_switch_context` — the link to the same page in the other
  language (``static/survey.js`` keeps the section and handles the Read the
  Docs layout).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import polib
from sphinx import locale
from sphinx.application import Sphinx
from sphinx.search.zh import SearchChinese
from sphinx.util import logging

logger = logging.getLogger(__name__)
HERE = Path(__file__).parent

#: The languages the site is built in, with the label shown in the switcher.
SITE_LANGUAGES = {"en": "English", "zh_CN": "简体中文"}

#: What marks an error on a written page: (regular expression, what a reader sees).
PAGE_ERRORS = [
    (re.compile(r'class="[^"]*\bsystem-message\b'), "a system message (error box)"),
    (re.compile(r'class="[^"]*\bproblematic\b'), "a problematic (unresolved) node"),
    (re.compile(r"latex exited with error|dvisvgm exited with error", re.I), "a formula that did not render"),
    (re.compile(r'class="[^"]*\bmath-error\b'), "a formula that did not render"),
]


def site_language(config) -> str:
    """``zh_CN`` for any Chinese build language, else ``en``."""
    return "zh_CN" if str(config.language or "en").startswith("zh") else "en"


def page_errors(html: str) -> list[str]:
    """What a reader would see as an error on the page whose HTML is ``html`` (one line per kind found)."""
    found = []
    for pattern, what in PAGE_ERRORS:
        matches = pattern.findall(html)
        if matches:
            found.append(f"{len(matches)} × {what}")
    return found


def check_written_pages(app: Sphinx, exception: Exception | None) -> None:
    """Warn (and so fail a strict build) for every page in the output folder that shows an error."""
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    for path in sorted(outdir.rglob("*.html")):
        problems = page_errors(path.read_text(encoding="utf-8", errors="replace"))
        if problems:
            logger.warning(
                "%s: the written page shows %s (fix the source and rebuild)",
                path.relative_to(outdir).as_posix(), "; ".join(problems),
                type="survey", subtype="page-error",
            )


def move_notebook_outputs(app: Sphinx) -> None:
    """Write MyST-NB's executed notebooks beside this build's doctrees, not into the site's parent folder.

    MyST-NB writes them to ``<outdir>/../jupyter_execute``, which is the
    root of the published site when both languages are built side by side
    (and shared by them, so one language's notebook replaced the other's).
    They go to ``_build/jupyter_execute/<language>`` of the project instead.
    """
    config = getattr(app.env, "mystnb_config", None)
    if config is not None:
        # one folder per language under the project's _build (never published), at the same
        # place for every build root, so download links do not depend on where the site is built
        # the HTML build of a language uses `<lang>`, other builders `<builder>-<lang>`: two builders
        # sharing a folder would rewrite each other's notebooks and re-read them on every build
        name = site_language(app.config)
        if app.builder.name != "html":
            name = f"{app.builder.name}-{name}"
        folder = Path(app.srcdir) / "_build" / "jupyter_execute" / name
        app.env.mystnb_config = config.copy(output_folder=str(folder.resolve()))


def clean_output(app: Sphinx, exception: Exception | None) -> None:
    """Remove source maps (``*.map``) that the themes copy into ``_static``."""
    if exception is None and app.builder.format == "html":
        for path in Path(app.outdir).rglob("*.map"):
            path.unlink()


REDIRECT = """<!DOCTYPE html>
<html lang="{lang}">
<head>
  <meta charset="utf-8">
  <title>{title}</title>
  <meta http-equiv="refresh" content="0; url={target}">
  <link rel="canonical" href="{target}">
</head>
<body><p><a href="{target}">{title}</a></p></body>
</html>
"""


def write_root_redirect(app: Sphinx, exception: Exception | None) -> None:
    """Write ``index.html`` at the language root leading to the home page (``root_doc``), if that is elsewhere."""
    if exception is not None or app.builder.name != "html" or app.config.root_doc == "index":
        return
    target = app.builder.get_target_uri(app.config.root_doc)
    page = REDIRECT.format(lang=site_language(app.config).replace("_", "-"), title=app.config.html_title, target=target)
    path = Path(app.outdir) / "index.html"
    if not path.exists() or path.read_text(encoding="utf-8") != page:
        path.write_text(page, encoding="utf-8")


def theme_catalogs(language: str) -> dict[str, dict[str, str]]:
    """The project's translations of theme strings: ``{catalog: {msgid: msgstr}}`` for ``language``."""
    folder = HERE / "locale" / language / "LC_MESSAGES"
    catalogs = {}
    for path in sorted(folder.glob("*.po")):
        catalogs[path.stem] = {e.msgid: e.msgstr for e in polib.pofile(str(path)) if e.msgstr and not e.obsolete}
    return catalogs


def use_theme_translations(app: Sphinx) -> None:
    """Put the project's theme translations in front of the themes' own (Chinese builds only)."""
    language = site_language(app.config)
    if language == "en":
        return
    for catalog, messages in theme_catalogs(language).items():
        translator = locale.translators.get(("general", catalog))
        if translator is None or not hasattr(translator, "_catalog"):
            continue  # that theme is not in use by this builder (LaTeX, EPUB)
        translator._catalog.update(messages)  # ours first; the theme's own stay as fallback


class ChineseSearch(SearchChinese):
    """Sphinx's Chinese search, with the JavaScript stemmer it ships (English, for Latin words)."""

    language_name = "English"


def language_switch_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Give the template ``survey_other_language``: code, label, and a relative link for the built layout."""
    current = site_language(app.config)
    other = "en" if current == "zh_CN" else "zh_CN"
    to_root = "../" * pagename.count("/")
    context["survey_other_language"] = {
        "code": other,
        "current": current,
        "label": SITE_LANGUAGES[other],
        "pagename": pagename,
        "url": f"{to_root}../{other}/{pagename}.html",
    }


def theme_template_paths() -> list[str]:
    """The component template folders that sphinx-book-theme and pydata-sphinx-theme add to ``templates_path``."""
    import pydata_sphinx_theme
    import sphinx_book_theme

    return [
        str(Path(sphinx_book_theme.get_html_theme_path()) / "components"),
        str(Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme" / "components"),
    ]


def stable_config(app: Sphinx, config) -> None:
    """Add the themes' template folders up front, so the configuration a build starts with is the one it ends with.

    The themes append them while the builder starts, after Sphinx has compared
    the configuration with the previous build's, so every build reported a
    changed configuration.  :func:`drop_repeated_template_paths` removes the
    copies the themes then append.
    """
    for path in theme_template_paths():
        if path not in config.templates_path:
            config.templates_path.append(path)


def drop_repeated_template_paths(app: Sphinx, env) -> None:
    """Remove repeated ``templates_path`` entries before the environment is saved (templates are loaded by then)."""
    seen: list[str] = []
    for path in app.config.templates_path:
        if path not in seen:
            seen.append(path)
    app.config.templates_path[:] = seen


#: Where the search index's entries are kept between builds (beside the doctrees, never published).
SEARCH_INDEX_ENTRIES = "search-index-entries.json"


def _index_entries(app: Sphinx) -> dict | None:
    """The environment's ``{docname: [(entry, anchor, main), ...]}`` that the HTML search index is made from.

    None for builders without a search index.  (Sphinx 9.0 keeps it in a
    private attribute of the environment; the builder's index shares the dict.)
    """
    if getattr(app.builder, "search", False) and app.builder.format == "html":
        return getattr(app.env, "_search_index_index_entries", None)
    return None


def restore_search_index_entries(app: Sphinx, env) -> None:
    """Before writing: put back the entries of every page that still exists, as the last build left them."""
    entries = _index_entries(app)
    path = Path(app.doctreedir) / SEARCH_INDEX_ENTRIES
    if entries is None or not path.exists():
        return
    saved = json.loads(path.read_text(encoding="utf-8"))
    merged = {doc: [tuple(e) for e in saved[doc]] for doc in sorted(saved) if doc in env.all_docs}
    merged.update((doc, value) for doc, value in entries.items() if doc in env.all_docs)
    entries.clear()
    entries.update(sorted(merged.items()))  # page order, as a clean build writes them


def save_search_index_entries(app: Sphinx, exception: Exception | None) -> None:
    """After writing: keep the entries, for the next build to restore."""
    entries = _index_entries(app)
    if exception is None and entries is not None:
        text = json.dumps(entries, sort_keys=True, ensure_ascii=False)
        (Path(app.doctreedir) / SEARCH_INDEX_ENTRIES).write_text(text, encoding="utf-8")


def copy_notebook_css_before_writing(app: Sphinx, env) -> None:
    """Put MyST-NB's stylesheet in ``_static`` before the pages are written.

    MyST-NB copies ``mystnb.<hash>.css`` only when the build finishes, so on
    a clean build Sphinx finds no file to checksum and links it without
    ``?v=…``, and every later build links it with: a page written again
    would differ in bytes from the same page of a clean build.
    """
    # not for e-books (``embedded`` builders): the EPUB leaves MyST-NB's
    # stylesheet out, and epubcheck rejects its CSS nesting syntax
    if app.builder.format == "html" and not getattr(app.builder, "embedded", False) and "myst_nb" in app.extensions:
        from myst_nb.sphinx_ext import add_global_html_resources

        (Path(app.outdir) / "_static").mkdir(parents=True, exist_ok=True)
        add_global_html_resources(app, None)


def setup(app: Sphinx) -> None:
    """Connect the handlers above (called from :mod:`compression_survey.sphinxext`)."""
    import sphinx.search

    from . import reader_notebook

    reader_notebook.setup(app)
    sphinx.search.languages["zh"] = ChineseSearch
    app.connect("config-inited", stable_config, priority=900)
    app.connect("env-updated", drop_repeated_template_paths)
    app.connect("env-updated", restore_search_index_entries)
    app.connect("env-updated", copy_notebook_css_before_writing)
    app.connect("build-finished", save_search_index_entries)
    app.connect("builder-inited", move_notebook_outputs, priority=900)  # after MyST-NB sets its folder
    app.connect("builder-inited", use_theme_translations, priority=900)
    app.connect("html-page-context", language_switch_context)
    app.connect("build-finished", clean_output)
    app.connect("build-finished", write_root_redirect)
    app.connect("build-finished", check_written_pages, priority=900)
    app.add_js_file("survey.js", loading_method="defer")

"""Sphinx extension of the survey.

* checks ``references.bib`` and ``taxonomy.yaml`` before reading any page
  and stops the build (naming file, line and key) on any problem;
* ``taxonomy-overview`` directive: every family and sub-family with its
  definition, in the build's language, from ``taxonomy.yaml``;
* ``taxonomy-bibliography`` directive: every entry of ``references.bib``,
  grouped by its primary taxonomy node (the first ``keywords`` id);
* a link from every page to the same page in the other language, and the
  other reader-facing behaviour of :mod:`compression_survey.site`;
* the bibliography and citation styles of the build's language
  (:mod:`compression_survey.bibstyle`);
* ``paper-explorer`` directive: every entry as a table a reader can
  filter, sort and cite from (:mod:`compression_survey.explorer`);
* ``survey-glossary`` directive: the glossary from ``terminology.yaml``,
  every term a ``{term}`` target under its English name;
* a jieba user dictionary from the taxonomy's and terminology's Chinese
  terms, so the Chinese search index holds 剪枝, 知识蒸馏, 彩票假设 … as words.
"""

from __future__ import annotations

import fnmatch
import hashlib
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.domains.std import make_glossary_term
from sphinx.errors import ExtensionError
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective
from sphinxcontrib.bibtex.directives import BibliographyDirective

from . import site
from .explorer import PaperExplorer, PlainExplorerForBooks
from .bibstyle import register as _register_bibstyle
from .bibstyle import styles_for
from .bibliography import BibliographyCheckError, keyword_ids, require_valid
from .taxonomy import Taxonomy, TaxonomyError, TaxonomyNode, load_taxonomy
from .terminology import GENERAL, GENERAL_LABELS, TerminologyError, has_cjk, load_terminology

HERE = Path(__file__).parent
_register_bibstyle()

SITE_LANGUAGES = site.SITE_LANGUAGES

_UI = {
    "en": {"none": "No entries yet."},
    "zh_CN": {"none": "暂无文献。"},
}


_language = site.site_language


def _survey_data(app: Sphinx):
    return app.compression_survey  # set in _load_sources


def _load_sources(app: Sphinx) -> None:
    confdir = Path(app.confdir)
    try:
        taxonomy = load_taxonomy(confdir / app.config.survey_taxonomy)
        data = require_valid(confdir / app.config.survey_bibliography, taxonomy)
        terminology = load_terminology(confdir / app.config.survey_terminology, taxonomy)
    except (TaxonomyError, BibliographyCheckError, TerminologyError) as error:
        raise ExtensionError(str(error)) from error
    app.compression_survey = (taxonomy, data)
    app.compression_survey_terminology = terminology


def _section(node_id: str, prefix: str, title: str) -> nodes.section:
    section = nodes.section(ids=[nodes.make_id(f"{prefix}-{node_id}")])
    # generated in the build's language from taxonomy.yaml: not a gettext message
    section += nodes.title(text=title, translatable=False)
    return section


class TaxonomyOverview(SphinxDirective):
    """Every family and sub-family with its definition, in the build's language."""

    def run(self) -> list[nodes.Node]:
        taxonomy, _ = _survey_data(self.env.app)
        lang = _language(self.config)
        self.env.note_dependency(str(taxonomy.path))
        out: list[nodes.Node] = []
        for family in taxonomy.families:
            section = _section(family.id, "taxonomy", family.label(lang))
            section += nodes.paragraph(text=family.describe(lang))
            if family.children:
                items = nodes.bullet_list()
                for child in family.children:
                    para = nodes.paragraph()
                    para += nodes.strong(text=child.label(lang))
                    para += nodes.Text(("：" if lang == "zh_CN" else ": ") + child.describe(lang))
                    items += nodes.list_item("", para)
                section += items
            out.append(section)
        return out


class TaxonomyBibliography(SphinxDirective):
    """Every bibliography entry under its primary taxonomy node, each node a section."""

    def run(self) -> list[nodes.Node]:
        taxonomy, data = _survey_data(self.env.app)
        lang = _language(self.config)
        self.env.note_dependency(str(taxonomy.path))
        self.env.note_dependency(__file__)  # re-read when this generator changes
        self.env.note_dependency(str(HERE / "bibstyle.py"))
        grouped: dict[str, list[str]] = {node.id: [] for node in taxonomy.nodes()}
        for key, entry in data.entries.items():
            grouped[keyword_ids(entry)[0]].append(key)
        out: list[nodes.Node] = []
        for family in taxonomy.families:
            section = _section(family.id, "bib", family.label(lang))
            section += nodes.paragraph(text=family.describe(lang))
            section.extend(self._entries(grouped[family.id], lang, allow_empty=bool(family.children)))
            for child in family.children:
                sub = _section(child.id, "bib", child.label(lang))
                sub += nodes.paragraph(text=child.describe(lang))
                sub.extend(self._entries(grouped[child.id], lang, allow_empty=False))
                section += sub
            out.append(section)
        return out

    def _entries(self, keys: list[str], lang: str, allow_empty: bool) -> list[nodes.Node]:
        if not keys:
            return [] if allow_empty else [nodes.paragraph(text=_UI[lang]["none"])]
        directive = BibliographyDirective(
            "bibliography",
            [],
            # a citation list, so {cite} in the chapters resolves to these entries;
            # labels are citation keys (bibstyle.SurveyStyle), unique across the groups
            {"filter": "False"},
            StringList(sorted(keys), source=self.get_source_info()[0]),
            self.lineno,
            self.content_offset,
            self.block_text,
            self.state,
            self.state_machine,
        )
        return list(directive.run())


class SurveyGlossary(SphinxDirective):
    """The glossary from ``terminology.yaml``, grouped (general terms, then each family), in the build's language.

    Every term is a ``{term}`` target under its English name in both
    languages (so ``{term}`剪枝 <pruning>``` works in a Chinese message);
    the Chinese page shows the Chinese term followed by the English one.
    """

    def run(self) -> list[nodes.Node]:
        taxonomy, _ = _survey_data(self.env.app)
        terminology = self.env.app.compression_survey_terminology
        lang = _language(self.config)
        self.env.note_dependency(str(terminology.path))
        source, _ = self.get_source_info()
        out: list[nodes.Node] = []
        for group, terms in terminology.groups(taxonomy):
            title = GENERAL_LABELS[lang] if group == GENERAL else taxonomy.by_id[group].label(lang)
            section = _section(group, "glossary", title)
            glossary = addnodes.glossary()
            glossary["sorted"] = False  # ordered by the English term in both languages
            items = nodes.definition_list(classes=["glossary"])
            for term in sorted(terms, key=lambda t: t.en.lower()):
                term_node = make_glossary_term(
                    self.env, [nodes.Text(term.en)], None, source, term.line, None, self.state.document
                )
                if lang == "zh_CN" and term.zh != term.en:
                    term_node.insert(0, nodes.Text(f"{term.zh}　"))
                    # the general index lists the Chinese term too, pointing at the same entry
                    for index in term_node.findall(addnodes.index):
                        index["entries"].append(("single", term.zh, term_node["ids"][0], "main", None))
                term_node["translatable"] = False
                definition = nodes.definition("", nodes.paragraph(text=term.definition[lang]))
                items += nodes.definition_list_item("", term_node, definition)
            glossary += items
            section += glossary
            out.append(section)
        return out


def _jieba_dictionary(app: Sphinx, config) -> None:
    """Write a jieba user dictionary of the taxonomy's and terminology's Chinese terms and use it for the search index."""
    if _language(config) != "zh_CN":
        return
    taxonomy = load_taxonomy(Path(app.confdir) / config.survey_taxonomy)
    terminology = load_terminology(Path(app.confdir) / config.survey_terminology, taxonomy)
    words: set[str] = terminology.chinese_words()
    for node in taxonomy.nodes():
        name = node.label("zh_CN")
        for part in name.replace("（", " ").replace("）", " ").replace("与", " ").split():
            if has_cjk(part):
                words.add(part)
    path = Path(app.doctreedir) / "jieba_userdict.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{w} 1000 n\n" for w in sorted(words)), encoding="utf-8")
    config.html_search_options = {**(config.html_search_options or {}), "dict": str(path)}


def notebook_inputs(patterns: dict[str, list[str]], docname: str, root: Path) -> list[Path]:
    """The input files of notebook ``docname`` under ``survey_notebook_inputs``.

    Keys are docnames or ``fnmatch`` patterns (``notebooks/*``); values are
    paths or ``glob`` patterns relative to ``root``.  Every matching key
    contributes; the result is sorted and without repeats.  Raises
    ``ExtensionError`` when a listed path or pattern matches no file.
    """
    files: set[Path] = set()
    for key, names in patterns.items():
        if not fnmatch.fnmatchcase(docname, key):
            continue
        for name in names:
            matches = sorted(root.glob(name))
            if not matches:
                raise ExtensionError(f"survey_notebook_inputs[{key!r}]: {name!r} matches no file under {root}")
            files.update(matches)
    return sorted(files)


def _stamp_notebook_inputs(app: Sphinx, docname: str, source: list[str]) -> None:
    """Write the digests of a notebook's input files into its ``# survey-inputs:`` line.

    MyST-NB caches executed notebooks by their code, not by the files they
    read (the bibliography, the project package), so a changed input would
    otherwise reuse stale outputs.  Putting the digests into the code makes
    the cache key change with the inputs; noting them as dependencies makes
    Sphinx re-read the notebook.
    """
    root = Path(app.confdir)
    inputs = notebook_inputs(app.config.survey_notebook_inputs, docname, root)
    if not inputs:
        return
    digest = hashlib.sha256()
    for path in inputs:
        app.env.note_dependency(str(path))
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    marker = "# survey-inputs:"
    if marker not in source[0]:
        raise ExtensionError(f"{docname}: survey_notebook_inputs applies but the notebook has no '{marker}' line")
    source[0] = source[0].replace(marker, f"{marker} {len(inputs)} files @ {digest.hexdigest()[:16]}", 1)


class CitationKeyAnchors(SphinxPostTransform):
    """Give every bibliography entry the anchor of its citation key, and point every citation at it.

    sphinxcontrib-bibtex names the entries ``id123`` (a ``{key}`` id template
    would collide, since each of the bibliography page's many ``bibliography``
    directives makes an id for every entry); after its transforms have run,
    this one makes ``bibliography.html#han2015learning`` the entry's address
    and rewrites the links of ``{cite}`` roles to it.
    """

    default_priority = 50  # after sphinxcontrib-bibtex's transforms and the reference resolver

    def run(self, **kwargs) -> None:
        domain = self.env.get_domain("cite")
        keys = {c.citation_id: c.key for c in domain.citations}
        if not keys:
            return
        for citation in self.document.findall(nodes.citation):
            if citation["ids"] and citation["ids"][0] in keys:
                citation["ids"].insert(0, nodes.make_id(keys[citation["ids"][0]]))
        for reference in self.document.findall(nodes.reference):
            refid = reference.get("refid")
            if refid in keys:
                reference["refid"] = nodes.make_id(keys[refid])
            uri = reference.get("refuri", "")
            if "#" in uri:
                base, fragment = uri.rsplit("#", 1)
                if fragment in keys:
                    reference["refuri"] = f"{base}#{nodes.make_id(keys[fragment])}"


def _explorer_scripts(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Load the table library and the explorer's script on pages that hold a paper explorer."""
    if doctree is not None and any("survey-explorer" in n["classes"] for n in doctree.findall(nodes.container)):
        app.add_js_file("vendor/datatables/dataTables.min.js")
        app.add_js_file("explorer.js")


def _per_language(app: Sphinx, config) -> None:
    """Apply ``survey_per_language`` (``{option: {language: value}}``) and the language's bibliography styles."""
    lang = _language(config)
    for name, values in config.survey_per_language.items():
        if lang in values:
            setattr(config, name, values[lang])
    config.bibtex_default_style, config.bibtex_reference_style = styles_for(lang)


def _add_paths(app: Sphinx, config) -> None:
    config.templates_path = [*config.templates_path, str(HERE / "templates")]
    config.html_static_path = [*config.html_static_path, str(HERE / "static")]


def setup(app: Sphinx) -> dict:
    app.add_config_value("survey_bibliography", "references.bib", "env", types=[str])
    app.add_config_value("survey_taxonomy", "taxonomy.yaml", "env", types=[str])
    app.add_config_value("survey_terminology", "terminology.yaml", "env", types=[str])
    app.add_config_value("survey_notebook_inputs", {}, "env", types=[dict])
    app.add_config_value("survey_per_language", {}, "env", types=[dict])
    app.connect("config-inited", _per_language)
    app.setup_extension("compression_survey.latex")  # PDF, EPUB and download links
    app.connect("config-inited", _add_paths)
    app.connect("config-inited", _jieba_dictionary)
    app.connect("builder-inited", _load_sources)
    app.connect("source-read", _stamp_notebook_inputs)
    app.add_directive("taxonomy-overview", TaxonomyOverview)
    app.add_directive("taxonomy-bibliography", TaxonomyBibliography)
    app.add_directive("survey-glossary", SurveyGlossary)
    app.add_directive("paper-explorer", PaperExplorer)
    app.add_post_transform(CitationKeyAnchors)
    app.add_post_transform(PlainExplorerForBooks)
    app.connect("html-page-context", _explorer_scripts)
    app.add_css_file("survey.css")
    site.setup(app)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}

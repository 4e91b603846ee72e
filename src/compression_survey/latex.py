"""LaTeX (PDF) and EPUB settings of the survey, computed per language; loaded by :mod:`.sphinxext`.

* one math preamble (``bm``, ``amssymb``) for the HTML math images
  (``imgmath_latex_preamble``) and the PDF (``latex_elements['preamble']``);
* xelatex for both languages, with xeCJK and Noto CJK fonts (the English
  PDF meets Chinese text in notebook code cells), FreeFont for Latin text;
  no index (makeindex cannot sort Chinese and xindy is not needed);
* in the Chinese PDF: 第 N 章, 目录, 参考文献 (Sphinx leaves the LaTeX
  names in English because babel has no Chinese);
* the bibliography keeps its grouping by family: each group's entries
  stay where the bibliography page puts them, as a list under the group's
  section, instead of Sphinx's one list at the end of the document;
* figures glued from a notebook into another page (MyST-NB issue #375):
  the LaTeX builder is given the image's real path, so it copies it;
* code cells and outputs wrap; tables use smaller type; every page of the
  home page's toctrees is a chapter;
* EPUB: identifier, BCP 47 language, spine paths normalised, notebook
  tables made valid XHTML, unique ids (epubcheck accepts it);
* the home page of each language links its PDF and EPUB (copied beside
  the HTML when built, or Read the Docs' downloads).
"""

from __future__ import annotations

import base64
import hashlib
import os
import posixpath
import re
import shutil
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.builders.epub3 import Epub3Builder
from sphinx.builders.latex.constants import XELATEX_DEFAULT_FONTPKG
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

logger = logging.getLogger(__name__)

#: LaTeX packages every formula of the survey may use, in HTML (imgmath) and PDF.
MATH_PREAMBLE = r"\usepackage{amssymb}\usepackage{bm}"

#: File name (without suffix) of the PDF / EPUB of each language.
OUTPUT_STEM = {"en": "model-compression-survey-en", "zh_CN": "model-compression-survey-zh_CN"}

AUTHOR = {"zh_CN": "模型压缩综述作者"}

#: Folder, inside each language's HTML, holding its PDF and EPUB.
DOWNLOADS = "downloads"

# DejaVu Sans Mono for code: FreeMono lacks characters the notebooks print (ᵀ).
# Chinese has no italic: emphasis stays upright in the CJK fonts.
FONTS = r"""
\setmonofont{DejaVu Sans Mono}[Scale=MatchLowercase]
\setCJKmainfont{Noto Serif CJK SC}[BoldFont={Noto Serif CJK SC Bold},
  ItalicFont={Noto Serif CJK SC}, BoldItalicFont={Noto Serif CJK SC Bold}]
\setCJKsansfont{Noto Sans CJK SC}[BoldFont={Noto Sans CJK SC Bold},
  ItalicFont={Noto Sans CJK SC}, BoldItalicFont={Noto Sans CJK SC Bold}]
\setCJKmonofont{Noto Sans Mono CJK SC}[BoldFont={Noto Sans Mono CJK SC Bold},
  ItalicFont={Noto Sans Mono CJK SC}, BoldItalicFont={Noto Sans Mono CJK SC Bold}]
"""

# A list environment for one group of the bibliography: \bibitem works in it
# (hyperref anchors cite.<key>, which sphinxcontrib-bibtex links to), the
# label (the citation key) is set in bold at the start of a hanging paragraph.
BIB_GROUP = r"""
\makeatletter
\newenvironment{surveybibgroup}{%
  \list{}{\leftmargin 1.5em\itemindent -1.5em\labelwidth\z@\labelsep .5em%
    \itemsep .2\baselineskip\parsep\z@
    \usecounter{enumiv}\let\p@enumiv\@empty\renewcommand\theenumiv{\@arabic\c@enumiv}}%
  \def\@biblabel##1{\textbf{[##1]}}%
  \sloppy\clubpenalty4000\@clubpenalty\clubpenalty\widowpenalty4000\sfcode`\.\@m\small}
  {\endlist}
\makeatother
"""

# Tables in smaller type, so that the comparison tables fit the page.
TABLES = r"""
\usepackage{etoolbox}
\AtBeginEnvironment{tabulary}{\footnotesize}
\AtBeginEnvironment{longtable}{\footnotesize}
\AtBeginEnvironment{tabular}{\footnotesize}
"""

ZH_NAMES = r"""
\makeatletter
\addto\captionsenglish{%
  \renewcommand{\contentsname}{目录}%
  \renewcommand{\bibname}{参考文献}%
  \renewcommand{\chaptername}{第}%
  \renewcommand{\appendixname}{附录}%
  \renewcommand{\indexname}{索引}}
\def\@makechapterhead#1{%
  {\parindent\z@\raggedright\normalfont
   \ifnum\c@secnumdepth>\m@ne\if@mainmatter
     {\Large\py@HeaderFamily\@chapapp\thechapter\@chappos}\par\nobreak\vskip 12\p@
   \fi\fi
   \interlinepenalty\@M{\Huge\py@HeaderFamily #1}\par\nobreak\vskip 30\p@}}
\makeatother
"""


def _language(config) -> str:
    return "zh_CN" if str(config.language or "en").startswith("zh") else "en"


def latex_elements(lang: str) -> dict[str, str]:
    """``latex_elements`` of the PDF in ``lang`` (``en`` or ``zh_CN``)."""
    elements = {
        "papersize": "a4paper",
        "pointsize": "10pt",
        "extraclassoptions": "openany,oneside",
        "fontenc": "\\usepackage{fontspec}\n\\defaultfontfeatures[\\rmfamily,\\sffamily,\\ttfamily]{}\n"
                   "\\usepackage{xeCJK}",
        "fontpkg": XELATEX_DEFAULT_FONTPKG + FONTS,
        "fvset": "\\fvset{fontsize=\\small,formatcom=\\xeCJKVerbAddon}",
        "sphinxsetup": "verbatimforcewraps=true, verbatimmaxunderfull=2",
        "makeindex": "",
        "printindex": "",
        "preamble": MATH_PREAMBLE + "\n" + TABLES + BIB_GROUP,
    }
    if lang == "zh_CN":
        # \@chappos before sphinx.sty: the running head reads 第 N 章 (as for Japanese)
        elements["fncychap"] = "\\makeatletter\\def\\@chappos{章}\\makeatother"
        elements["preamble"] += ZH_NAMES
    return elements


def _configure(app: Sphinx, config) -> None:
    """Set the math preamble, the LaTeX and the EPUB settings of the build's language."""
    lang = _language(config)
    if "imgmath_latex_preamble" in config:
        config.imgmath_latex_preamble = MATH_PREAMBLE
    if not config.version:
        config.version = config.release
    title = (config.survey_per_language.get("html_title") or {}).get(lang, config.project)
    author = AUTHOR.get(lang, config.author)
    config.latex_engine = "xelatex"
    config.latex_use_xindy = False
    config.latex_domain_indices = False
    config.latex_documents = [(config.root_doc, f"{OUTPUT_STEM[lang]}.tex", title, author, "manual")]
    config.latex_elements = {**latex_elements(lang), **(config.latex_elements or {})}
    config.epub_basename = OUTPUT_STEM[lang]
    config.epub_language = lang.replace("_", "-")  # a BCP 47 tag (epubcheck rejects zh_CN)
    config.epub_title = title
    config.epub_author = author
    config.epub_publisher = author
    config.epub_copyright = config.copyright
    # the NCX's dtb:uid is epub_uid and must equal the OPF identifier (epubcheck NCX-001)
    config.epub_identifier = config.epub_uid = OUTPUT_STEM[lang]
    config.epub_scheme = "URI"


class bib_group(nodes.General, nodes.Element):
    """The entries of one bibliography group, typeset in place (LaTeX only)."""


class grouped_citation(nodes.General, nodes.Element):
    """A bibliography entry inside a :class:`bib_group` (not a docutils citation, so Sphinx leaves it in place)."""


def visit_bib_group(self, node) -> None:
    self.body.append("\n\\begin{surveybibgroup}\n")


def depart_bib_group(self, node) -> None:
    self.body.append("\\end{surveybibgroup}\n")


def visit_grouped_citation(self, node) -> None:
    label = node[0]
    self.body.append(f"\\bibitem[{self.encode(label.astext())}]{{{node['docname']}:{node['ids'][0]}}}")
    # the label is printed by \bibitem; the entry's text follows
    node.remove(label)


def depart_grouped_citation(self, node) -> None:
    pass


def _skip(self, node) -> None:
    raise nodes.SkipNode


class GroupBibliography(SphinxPostTransform):
    """Keep each bibliography list where it stands (LaTeX), instead of Sphinx's one list at the end.

    Runs after sphinxcontrib-bibtex turned each ``bibliography`` directive
    into a container of citations (priority 5) and before Sphinx's
    ``BibliographyTransform`` (750) gathers every citation to the end.
    """

    default_priority = 700
    formats = ("latex",)

    def run(self, **kwargs) -> None:
        containers = {id(c.parent): c.parent for c in self.document.findall(nodes.citation)
                      if isinstance(c.parent, nodes.container)}
        for container in containers.values():
            group = bib_group()
            for child in container.children:
                if isinstance(child, nodes.citation):
                    child = grouped_citation("", *child.children, ids=child["ids"], docname=child["docname"])
                group += child
            container.replace_self(group)


class TopLevelChapters(SphinxPostTransform):
    """Make every page of the home page's toctrees a chapter of the PDF.

    The toctrees stand at the end of the home page, inside its last section
    ("How to cite"); Sphinx inlines the pages where the toctree stands, so
    every page would become a section of that chapter (3.1 Taxonomy, 3.2
    Pruning ...).  This moves the root document's toctrees to the end of
    its top section, beside its own sections: chapters 1–3 are the home
    page's sections, then one chapter per page.
    """

    default_priority = 400
    formats = ("latex",)

    def run(self, **kwargs) -> None:
        top = next(iter(self.document.findall(nodes.section)), None)
        if top is None:
            return
        for wrapper in list(top.findall(nodes.compound)):
            if "toctree-wrapper" not in wrapper["classes"] or wrapper.parent is top:
                continue
            parent = wrapper.parent
            if any(isinstance(a, addnodes.start_of_file) for a in _ancestors(parent)):
                continue  # a toctree of an included page, not of the home page
            parent.remove(wrapper)
            top += wrapper


def _ancestors(node):
    while node is not None:
        yield node
        node = node.parent


class WriteGluedImages(SphinxPostTransform):
    """Write the image of every figure glued from another page's notebook to MyST-NB's output folder.

    A figure glued with ``display=False`` is not shown by its notebook, so
    MyST-NB never writes its file; the page that pastes it refers to
    ``<hash>.png`` all the same.  Runs before MyST-NB resolves the pasted
    figures (priority 5), writing each missing file from the glue cache.
    """

    default_priority = 4
    formats = ("latex",)

    def run(self, **kwargs) -> None:
        if not hasattr(self.env, "mystnb_config"):
            return
        from myst_nb.ext.glue.crossref import PendingGlueReference, read_glue_cache

        output_folder = Path(self.env.mystnb_config.output_folder)
        for node in self.document.findall(PendingGlueReference):
            output = read_glue_cache(str(output_folder), node.refdoc).get(node.key, {})
            for mime_type, data in output.get("data", {}).items():
                if mime_type in IMAGE_SUFFIX:
                    content = base64.b64decode(data)
                    path = output_folder / f"{hashlib.sha256(content).hexdigest()}{IMAGE_SUFFIX[mime_type]}"
                    if not path.exists():
                        path.parent.mkdir(parents=True, exist_ok=True)
                        path.write_bytes(content)


IMAGE_SUFFIX = {"image/png": ".png", "image/jpeg": ".jpeg", "application/pdf": ".pdf"}


class GluedImagePaths(SphinxPostTransform):
    """Give the LaTeX builder the real path of figures glued from a notebook into another page.

    MyST-NB resolves a cross-page ``{glue}`` figure after Sphinx collected
    the images, with a URI relative to the HTML image folder; the LaTeX
    build then includes ``../<hash>.png``, a file it never copied, and
    xdvipdfmx stops (MyST-NB issue #375).  MyST-NB wrote the figure as
    ``<hash>.png`` in its output folder when it rendered the notebook: this
    transform points the image at that file and registers it, so the LaTeX
    builder copies it beside the ``.tex`` like any other image.
    """

    default_priority = 6  # after MyST-NB's ReplacePendingGlueReferences (5)
    formats = ("latex",)

    def run(self, **kwargs) -> None:
        if not hasattr(self.env, "mystnb_config"):
            return
        srcdir = Path(self.app.srcdir)
        output_folder = Path(self.env.mystnb_config.output_folder)
        for image in self.document.findall(nodes.image):
            uri = image.get("uri", "")
            if "://" in uri or uri.startswith("data:") or uri in self.env.images:
                continue
            found = output_folder / posixpath.basename(uri)
            if not found.is_file():
                logger.warning("image %s: not in the notebook output folder %s", uri, output_folder, location=image)
                continue
            relative = posixpath.relpath(found.resolve().as_posix(), srcdir.resolve().as_posix())
            image["uri"] = relative
            image["candidates"] = {"*": relative}
            self.env.images.add_file(self.env.docname, relative)


class XhtmlOutputs(SphinxPostTransform):
    """Make notebook HTML outputs valid EPUB XHTML.

    pandas writes a ``<style scoped>`` block and ``valign`` attributes into
    each table; neither is allowed in an EPUB's XHTML body (epubcheck
    RSC-005).  The tables stay, without that styling.
    """

    default_priority = 400
    builders = ("epub",)

    def run(self, **kwargs) -> None:
        for raw in self.document.findall(nodes.raw):
            if "html" in raw.get("format", "").split():
                text = re.sub(r"<style\b[^>]*>.*?</style>", "", raw.astext(), flags=re.S | re.I)
                text = re.sub(r"\s+valign=\"[^\"]*\"", "", text)
                text = re.sub(r"<br\s*>", "<br/>", text)
                raw.children = [nodes.Text(text)]


class UniqueIds(SphinxPostTransform):
    """Give repeated element ids a suffix (EPUB; epubcheck rejects duplicate ids).

    A translated message that cites a work more often than its English
    original repeats the citation reference's id.
    """

    default_priority = 400
    builders = ("epub",)

    def run(self, **kwargs) -> None:
        seen: set[str] = set()
        for node in self.document.findall(nodes.Element):
            if not node.get("ids"):
                continue
            ids = []
            for id_ in node["ids"]:
                new, n = id_, 1
                while new in seen:
                    n += 1
                    new = f"{id_}-{n}"
                seen.add(new)
                ids.append(new)
            node["ids"] = ids


class SurveyEpubBuilder(Epub3Builder):
    """Sphinx's EPUB 3 builder, fixed for a root document in a folder.

    The spine lists pages by their path relative to the root document's
    folder (``docs/../notebooks/x.xhtml``), which the manifest does not
    know (epubcheck OPF-049): the paths are normalised.
    """

    def get_toc(self) -> None:
        super().get_toc()
        for item in self.refnodes:
            path, hash_, fragment = item["refuri"].partition("#")
            item["refuri"] = posixpath.normpath(path) + hash_ + fragment


def _epub_stylesheets(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """EPUB pages do without MyST-NB's stylesheet.

    MyST-NB copies it only when the build finishes, after the EPUB is
    packed (epubcheck RSC-007), and epubcheck's CSS parser rejects its
    syntax (CSS-008).
    """
    if app.builder.name == "epub" and "css_files" in context:
        context["css_files"] = [css for css in context["css_files"]
                                if "mystnb." not in str(getattr(css, "filename", css))]


DOWNLOAD_LABELS = {
    "en": {"title": "Downloads", "pdf": "PDF", "epub": "EPUB", "intro": "The whole survey for reading offline:"},
    "zh_CN": {"title": "下载", "pdf": "PDF", "epub": "EPUB", "intro": "离线阅读的完整综述："},
}


def download_files(build_root: Path, lang: str) -> list[Path]:
    """The PDF and EPUB of ``lang`` built under ``build_root`` (``pdf/<lang>``, ``epub/<lang>``), those that exist."""
    stem = OUTPUT_STEM[lang]
    candidates = [build_root / "pdf" / lang / f"{stem}.pdf", build_root / "epub" / lang / f"{stem}.epub"]
    return [path for path in candidates if path.is_file()]


def _download_links(app: Sphinx, to_root: str) -> list[tuple[str, str]]:
    """(kind, href) of the PDF and EPUB of the build's language.

    On Read the Docs, its download URLs (it builds the formats named in
    ``.readthedocs.yaml``); locally, the files copied beside the HTML in
    ``downloads/`` by :func:`_copy_downloads`.
    """
    if os.environ.get("READTHEDOCS") == "True":
        language = os.environ.get("READTHEDOCS_LANGUAGE", "en")
        version = os.environ.get("READTHEDOCS_VERSION", "latest")
        return [(kind, f"/_/downloads/{language}/{version}/{kind}/") for kind in ("pdf", "epub")]
    return [(path.suffix.lstrip("."), f"{to_root}{DOWNLOADS}/{path.name}")
            for path in sorted(Path(app.outdir, DOWNLOADS).glob("*")) if path.suffix in (".pdf", ".epub")]


def _copy_downloads(app: Sphinx) -> None:
    """Copy this language's PDF and EPUB, when built (``<build>/pdf/<lang>``, ``<build>/epub/<lang>``), into ``downloads/``."""
    if app.builder.name != "html":
        return
    lang = _language(app.config)
    target = Path(app.outdir) / DOWNLOADS
    shutil.rmtree(target, ignore_errors=True)
    # the HTML of a language is built in <build>/html/<lang>
    for path in download_files(Path(app.outdir).parent.parent, lang):
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target / path.name)


def _downloads_section(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """On the home page of each language, a section linking its PDF and EPUB."""
    if app.builder.name != "html" or pagename != app.config.root_doc or "body" not in context:
        return
    links = _download_links(app, "../" * pagename.count("/"))
    if not links:
        return
    labels = DOWNLOAD_LABELS[_language(app.config)]
    items = "".join(f'<li><a class="reference download survey-download" href="{href}" download>'
                    f"{labels[kind]}</a></li>" for kind, href in links)
    context["body"] += (f'<section id="survey-downloads"><h2>{labels["title"]}</h2>'
                        f'<p>{labels["intro"]}</p><ul>{items}</ul></section>')


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _configure, priority=400)
    app.connect("builder-inited", _copy_downloads)
    app.connect("html-page-context", _downloads_section)
    app.connect("html-page-context", _epub_stylesheets)
    app.add_node(bib_group, latex=(visit_bib_group, depart_bib_group),
                 html=(_skip, None), epub=(_skip, None), text=(_skip, None))
    app.add_node(grouped_citation, latex=(visit_grouped_citation, depart_grouped_citation),
                 html=(_skip, None), epub=(_skip, None), text=(_skip, None))
    app.add_post_transform(GroupBibliography)
    app.add_post_transform(TopLevelChapters)
    app.add_builder(SurveyEpubBuilder, override=True)
    app.add_post_transform(XhtmlOutputs)
    app.add_post_transform(UniqueIds)
    app.add_post_transform(WriteGluedImages)
    app.add_post_transform(GluedImagePaths)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}

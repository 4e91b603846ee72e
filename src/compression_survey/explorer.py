"""The paper explorer: every entry of ``references.bib`` as a table a reader can filter, sort and cite from.

At build time the ``paper-explorer`` directive writes

* a plain table (title, authors, year, venue, family, citation key), so the
  PDF and EPUB get a readable list and the page works without JavaScript;
* the same entries as JSON (:func:`explorer_records`) in the page, with the
  taxonomy names in the page's language, each entry's BibTeX as a reader
  copies it (the entry of ``references.bib`` without the project's fields
  ``keywords``, ``code``, ``award``) and the interface strings.

``static/explorer.js`` turns the table into the explorer (DataTables,
vendored under ``static/vendor/datatables``): filters by family and
sub-family, year range, venue, code, award, reading status and free text;
sorting; state in the URL; a reading list in localStorage with ``.bib``
export and import.  All data come from ``references.bib`` and
``taxonomy.yaml`` at build time; nothing is stored in the repository twice.
"""

from __future__ import annotations

import json

from docutils import nodes
from pybtex.database import BibliographyData
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective

from .bibliography import keyword_ids, latex_to_text
from .bibtex_format import PROJECT_FIELDS, format_entry
from .stats import venue_of
from .taxonomy import Taxonomy

#: Interface strings of the explorer, per language.
UI = {
    "en": {
        "title": "Title", "authors": "Authors", "year": "Year", "venue": "Venue", "family": "Family",
        "subfamily": "Sub-family", "key": "Citation key", "code": "Code", "award": "Award", "bibtex": "BibTeX",
        "read": "Reading list", "search": "Words in title or authors", "all": "All", "from": "From", "to": "to",
        "has_code": "Has code", "has_award": "Has award", "status_any": "Any status", "status_read": "Read",
        "status_toread": "To read", "status_none": "Not marked", "count": "{shown} of {total} entries",
        "copy": "Copy", "copied": "Copied", "show_bibtex": "BibTeX", "export_marked": "Export marked (.bib)",
        "export_shown": "Export shown (.bib)", "import": "Import reading list", "reset": "Reset filters",
        "download_all": "Download references.bib", "mark_read": "read", "mark_toread": "to read",
        "imported": "Imported {n} marks", "import_error": "Not a reading list file",
    },
    "zh_CN": {
        "title": "标题", "authors": "作者", "year": "年份", "venue": "出处", "family": "大类",
        "subfamily": "子类", "key": "引用键", "code": "代码", "award": "奖项", "bibtex": "BibTeX",
        "read": "阅读清单", "search": "标题或作者中的词", "all": "全部", "from": "从", "to": "到",
        "has_code": "有代码", "has_award": "获奖", "status_any": "任意状态", "status_read": "已读",
        "status_toread": "待读", "status_none": "未标记", "count": "显示 {shown} / 共 {total} 条",
        "copy": "复制", "copied": "已复制", "show_bibtex": "BibTeX", "export_marked": "导出已标记条目（.bib）",
        "export_shown": "导出当前结果（.bib）", "import": "导入阅读清单", "reset": "重置筛选",
        "download_all": "下载 references.bib", "mark_read": "已读", "mark_toread": "待读",
        "imported": "已导入 {n} 条标记", "import_error": "不是阅读清单文件",
    },
}


def reader_bibtex(key: str, data: BibliographyData) -> str:
    """The BibTeX a reader copies for ``key``: the entry without the project's fields (``KeyError`` if unknown)."""
    return format_entry(key, data.entries[key], exclude=PROJECT_FIELDS)


def _authors(entry) -> str:
    people = entry.persons.get("author", [])
    return ", ".join(latex_to_text(" ".join(p.first_names + p.middle_names + p.prelast_names + p.last_names
                                            + p.lineage_names)) for p in people)


def explorer_records(data: BibliographyData, taxonomy: Taxonomy, language: str) -> list[dict]:
    """One record per entry, in file order: the explorer's data.

    Keys: ``key``, ``title`` (plain text), ``url``, ``authors`` (plain text),
    ``year`` (int), ``venue`` (short form), ``families`` / ``subfamilies``
    (taxonomy ids, no repeats), ``code`` (URL or ""), ``award`` (text or ""),
    ``bibtex`` (see :func:`reader_bibtex`).
    """
    records = []
    for key, entry in data.entries.items():
        ids = keyword_ids(entry)
        families = list(dict.fromkeys(taxonomy.by_id[i].parent or i for i in ids))
        subfamilies = [i for i in ids if taxonomy.by_id[i].parent]
        fields = {name.lower(): value for name, value in entry.fields.items()}
        records.append({
            "key": key,
            "title": latex_to_text(fields.get("title", "")),
            "url": fields.get("url", ""),
            "authors": _authors(entry),
            "year": int(fields.get("year", "0")),
            "venue": venue_of(entry.type, fields),
            "families": families,
            "subfamilies": subfamilies,
            "code": fields.get("code", ""),
            "award": latex_to_text(fields.get("award", "")),
            "bibtex": reader_bibtex(key, data),
        })
    return records


class PaperExplorer(SphinxDirective):
    """``paper-explorer``: the table of every entry plus its data for the browser (see the module docstring)."""

    def run(self) -> list[nodes.Node]:
        taxonomy, data = self.env.app.compression_survey
        from .site import site_language

        lang = site_language(self.config)
        self.env.note_dependency(str(taxonomy.path))
        self.env.note_dependency(__file__)
        records = explorer_records(data, taxonomy, lang)
        ui = UI[lang]
        names = {node.id: node.label(lang) for node in taxonomy.nodes()}
        columns = [ui["title"], ui["authors"], ui["year"], ui["venue"], ui["family"], ui["key"]]
        table = nodes.table(classes=["survey-explorer-table", "longtable"])
        group = nodes.tgroup(cols=len(columns))
        table += group
        for width in (34, 26, 6, 10, 14, 10):
            group += nodes.colspec(colwidth=width)
        head = nodes.thead()
        row = nodes.row()
        for title in columns:
            row += nodes.entry("", nodes.paragraph(text=title))
        head += row
        group += head
        body = nodes.tbody()
        for record in records:
            row = nodes.row(ids=[f"paper-{record['key']}"])
            title = nodes.paragraph()
            if record["url"]:
                title += nodes.reference("", record["title"], refuri=record["url"])
            else:
                title += nodes.Text(record["title"])
            cells = [
                title,
                nodes.paragraph(text=record["authors"]),
                nodes.paragraph(text=str(record["year"])),
                nodes.paragraph(text=record["venue"]),
                nodes.paragraph(text="; ".join(names[i] for i in record["subfamilies"] or record["families"])),
                nodes.paragraph("", "", nodes.literal(text=record["key"])),
            ]
            for cell in cells:
                row += nodes.entry("", cell)
            body += row
        group += body
        payload = {
            "records": records,
            "taxonomy": [{"id": f.id, "name": f.label(lang),
                          "children": [{"id": c.id, "name": c.label(lang)} for c in f.children]}
                         for f in taxonomy.families],
            "ui": ui,
        }
        script = script_json(payload)
        raw = nodes.raw("", f'<script type="application/json" id="survey-explorer-data">{script}</script>\n'
                            '<div id="survey-explorer-controls" class="survey-explorer-controls"></div>',
                        format="html")
        container = nodes.container(classes=["survey-explorer"])
        container += raw
        # the plain table serves readers without JavaScript (and EPUB readers); in a browser
        # with JavaScript it stays unparsed text, so thousands of rows cost nothing to render
        container += nodes.raw("", "<noscript>", format="html")
        container += table
        container += nodes.raw("", "</noscript>", format="html")
        return [container]


def script_json(payload) -> str:
    """``payload`` as JSON that is safe inside a ``<script>`` element of HTML and of XHTML.

    ``<``, ``>`` and ``&`` become ``\\u003c``, ``\\u003e`` and ``\\u0026``, which
    ``JSON.parse`` reads back unchanged: an entry holding ``</script>`` cannot
    end the element, and an ``&`` (as in "Q&A") does not break an XML parser.
    """
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class PlainExplorerForBooks(SphinxPostTransform):
    """In an EPUB, the explorer is its plain table.

    An e-book loads none of the site's scripts, and a reader that runs
    scripts would hide the ``<noscript>`` table; so the EPUB builder drops the
    explorer's data, controls and ``<noscript>`` wrapper and keeps the table.
    (LaTeX ignores raw HTML already.)
    """

    default_priority = 200
    builders = ("epub",)

    def run(self, **kwargs) -> None:
        for container in list(self.document.findall(nodes.container)):
            if "survey-explorer" in container["classes"]:
                for raw in [n for n in container.children if isinstance(n, nodes.raw)]:
                    container.remove(raw)

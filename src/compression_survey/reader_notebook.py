"""The notebooks a reader downloads: in the page's language, plain Markdown, byte-identical across builds.

MyST-NB offers the executed notebook as written in MyST: its text cells
keep roles (``{cite}``, ``{glue:text}``, ``{term}``, ``{ref}``) that plain
Jupyter shows raw, the text is English on the Chinese site, and nbformat
gives every cell a random id.  :func:`reader_notebook` turns an executed
notebook into what a reader can open anywhere:

* text cells translated block by block with the page's message catalog
  (the same messages the Chinese page uses; a block without a translation
  stays as written);
* roles replaced by plain text through a :class:`Resolver` (citations as
  "Han et al. (2015)" / "Han 等 (2015)", glued values formatted, labels by
  their section titles), directive blocks by Markdown (math as ``$$``,
  figures and admonitions as quoted text), label lines removed;
* cell ids ``cell-<n>`` and no execution timestamps, so two builds of the
  same source give the same bytes.
"""

from __future__ import annotations

import ast
import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field

#: A MyST role: ``{name}`content```.
ROLE = re.compile(r"\{([a-zA-Z][\w:.-]*)\}`([^`]*)`")
LABEL_LINE = re.compile(r"^\([\w.:-]+\)=\s*$")
EXPLICIT = re.compile(r"^(.*?)\s*<([^<>]+)>$", re.S)
LIST_ITEM = re.compile(r"^(\s*(?:[-*+]|\d+[.)])\s+)(.*)$")
HEADING = re.compile(r"^(#{1,6}\s+)(.*)$")


@dataclass
class Resolver:
    """How to turn each role into plain text; every callable gets the role's content.

    ``cite(keys, textual)`` formats citation keys (``textual`` for ``{cite:t}``);
    ``glue(key)`` returns the glued value's ``text/plain`` (``key`` may be
    ``/notebooks/x.md::name``); ``ref(label)`` and ``doc(docname)`` return titles.
    Raises ``KeyError`` for an unknown key, label or document.
    """

    cite: Callable[[list[str], bool], str]
    glue: Callable[[str], str]
    ref: Callable[[str], str] = lambda label: label
    doc: Callable[[str], str] = lambda name: name
    unresolved: list[str] = field(default_factory=list)

    def role(self, name: str, content: str) -> str:
        explicit = EXPLICIT.match(content)
        text, target = (explicit.group(1), explicit.group(2)) if explicit else (None, content)
        if name in {"cite", "cite:p", "cite:t", "cite:ps", "cite:ts", "cite:author", "cite:year"}:
            return self.cite([k.strip() for k in target.split(",") if k.strip()], name.startswith("cite:t"))
        if name in {"glue:text", "glue"}:
            key, _, spec = target.rpartition(":") if name == "glue:text" else (target, "", "")
            if name == "glue:text" and (not key or key.endswith(":")):  # "name" without a format spec
                key, spec = target, ""
            return format_glued(self.glue(key), spec)
        if name == "math":
            return f"${content}$"
        if text is not None:
            return text
        if name == "ref":
            return self.ref(target)
        if name == "doc":
            return self.doc(target)
        return target  # term, nb-download, abbr, …: the text itself


def format_glued(plain: str, spec: str) -> str:
    """A glued ``text/plain`` value formatted with ``spec`` (as ``{glue:text}`` does); the text itself if it is no number."""
    if not spec:
        return plain.strip("'\"")
    try:
        return format(ast.literal_eval(plain), spec)
    except (ValueError, SyntaxError, TypeError):
        return plain.strip("'\"")


def replace_roles(text: str, resolver: Resolver) -> str:
    """``text`` with every MyST role replaced by plain text."""
    return ROLE.sub(lambda m: resolver.role(m.group(1), m.group(2)), text)


def _blocks(source: str) -> list[list[str]]:
    """Split Markdown into blocks: fenced blocks whole, other blocks at blank lines."""
    blocks, current, fence = [], [], None
    for line in source.splitlines():
        stripped = line.strip()
        if fence is not None:
            current.append(line)
            if stripped == fence:
                blocks.append(current)
                current, fence = [], None
            continue
        opening = re.match(r"^(`{3,}|:{3,}|\$\$)", stripped)
        if opening:
            if current:
                blocks.append(current)
            current, fence = [line], opening.group(1)
            if fence == "$$" and stripped.endswith("$$") and len(stripped) > 2:  # one-line display math
                blocks.append(current)
                current, fence = [], None
            continue
        if not stripped:
            if current:
                blocks.append(current)
            current = []
        else:
            current.append(line)
    if current:
        blocks.append(current)
    return blocks


def _directive(lines: list[str], translate: Callable[[str], str], resolver: Resolver) -> str:
    """A fenced MyST directive as plain Markdown."""
    head = lines[0].strip()
    body = [line for line in lines[1:-1] if not re.match(r"^\s*:[\w-]+:", line)]
    name_match = re.match(r"^(?:`{3,}|:{3,})\{([\w:-]+)\}\s*(.*)$", head)
    if not name_match:
        return "\n".join(lines)  # an ordinary code block
    name, argument = name_match.groups()
    text = " ".join(line.strip() for line in body if line.strip())
    if name == "math":
        return "$$\n" + "\n".join(body).strip() + "\n$$"
    caption = replace_roles(translate(text), resolver) if text else ""
    if name in {"figure", "glue:figure", "glue:any", "glue"}:
        return f"> {caption}" if caption else ""
    title = argument.strip() or name.capitalize()
    return f"> **{replace_roles(translate(title), resolver)}** {caption}".rstrip()


def translate_markdown(source: str, translate: Callable[[str], str], resolver: Resolver) -> str:
    """A MyST text cell as plain Markdown in the target language (see the module docstring)."""
    out = []
    for block in _blocks(source):
        first = block[0].strip()
        if LABEL_LINE.match(first) and len(block) == 1:
            continue
        block = [line for line in block if not LABEL_LINE.match(line.strip())]
        if not block:
            continue
        first = block[0].strip()
        if first.startswith("$$"):
            out.append("\n".join(block))
        elif first.startswith(("```", ":::")):
            out.append(_directive(block, translate, resolver))
        elif HEADING.match(first) and len(block) == 1:
            prefix, text = HEADING.match(first).groups()
            out.append(prefix + replace_roles(translate(text.strip()), resolver))
        elif LIST_ITEM.match(block[0]):
            items: list[tuple[str, list[str]]] = []
            for line in block:
                item = LIST_ITEM.match(line)
                if item:
                    items.append((item.group(1), [item.group(2).strip()]))
                else:
                    items[-1][1].append(line.strip())
            out.append("\n".join(p + replace_roles(translate(" ".join(t)), resolver) for p, t in items))
        else:
            out.append(replace_roles(translate(" ".join(line.strip() for line in block)), resolver))
    return "\n\n".join(part for part in out if part)


def reader_notebook(notebook: dict, translate: Callable[[str], str], resolver: Resolver) -> dict:
    """The downloadable form of an executed notebook (nbformat 4 dict); the input is not changed."""
    result = copy.deepcopy(notebook)
    result.get("metadata", {}).pop("execution", None)
    for number, cell in enumerate(result.get("cells", [])):
        cell["id"] = f"cell-{number}"
        cell.get("metadata", {}).pop("execution", None)
        if cell["cell_type"] == "markdown":
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            cell["source"] = translate_markdown(source, translate, resolver)
    return result


def raw_roles(notebook: dict) -> list[str]:
    """Every MyST role or label line left in the notebook's text cells (a reader notebook has none)."""
    found = []
    for cell in notebook.get("cells", []):
        if cell["cell_type"] == "markdown":
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            found += [m.group(0) for m in ROLE.finditer(source)]
            found += [line for line in source.splitlines() if LABEL_LINE.match(line.strip())]
            found += [line for line in source.splitlines() if re.match(r"^(`{3,}|:{3,})\{", line.strip())]
    return found


# -- Sphinx glue ----------------------------------------------------------------------------------

from sphinx.util import logging  # noqa: E402

logger = logging.getLogger(__name__)

def _cite_formatter(entries, language: str) -> Callable[[list[str], bool], str]:
    """Citations as text: "Han et al. (2015)" (textual) or "(Han et al., 2015)"; Chinese uses 等 and 和."""
    from .bibliography import latex_to_text

    others, both = (" 等", " 和 ") if language == "zh_CN" else (" et al.", " and ")

    def authors_year(key: str) -> tuple[str, str]:
        entry = entries[key]  # KeyError for an unknown key
        people = entry.persons.get("author", [])
        names = [latex_to_text(" ".join(p.prelast_names + p.last_names)) for p in people]
        year = latex_to_text(entry.fields.get("year", ""))
        if len(names) >= 3:
            return names[0] + others, year
        return both.join(names) or latex_to_text(entry.fields.get("title", key)), year

    def cite(keys: list[str], textual: bool) -> str:
        parts = [authors_year(key) for key in keys]
        if textual:
            return "; ".join(f"{who} ({year})" for who, year in parts)
        return "(" + "; ".join(f"{who}, {year}" for who, year in parts) + ")"

    return cite


def _glue_values(glue_file) -> dict[str, str]:
    """``{name: text/plain}`` of every value a notebook glued, from MyST-NB's ``<docname>.glue.json`` ({} if absent)."""
    import json
    from pathlib import Path

    path = Path(glue_file)
    if not path.exists():
        return {}
    values = {}
    for name, output in json.loads(path.read_text(encoding="utf-8")).items():
        plain = output.get("data", {}).get("text/plain")
        if plain is not None:
            values[name] = plain if isinstance(plain, str) else "".join(plain)
    return values


def _read_docs(app, env, docnames) -> None:
    env.survey_read_notebooks = set(docnames)


def write_reader_notebooks(app, env) -> None:
    """Replace each executed notebook read in this build by its reader form (before downloads are copied)."""
    import json
    from pathlib import Path

    import nbformat
    import polib

    from .site import site_language

    config = getattr(env, "mystnb_config", None)
    if config is None or app.builder.format != "html":
        return
    folder = Path(config.output_folder)
    language = site_language(app.config)
    _, data = app.compression_survey
    std = env.get_domain("std")
    cite = _cite_formatter(data.entries, language)
    for docname in sorted(getattr(env, "survey_read_notebooks", ())):
        path = folder / f"{docname}.ipynb"
        if not path.exists():
            continue
        notebook = json.loads(path.read_text(encoding="utf-8"))
        own = _glue_values(folder / f"{docname}.glue.json")

        def glue(key: str, own=own) -> str:
            if "::" not in key:
                return own[key]
            other, name = key.split("::", 1)
            other_doc = other.strip("/").rsplit(".", 1)[0]
            return _glue_values(folder / f"{other_doc}.glue.json")[name]

        messages: dict[str, str] = {}
        if language != "en":
            po = Path(app.srcdir) / app.config.locale_dirs[0] / language / "LC_MESSAGES" / f"{docname}.po"
            if po.exists():
                messages = {e.msgid: e.msgstr for e in polib.pofile(str(po))
                            if e.msgstr and not e.obsolete and "fuzzy" not in e.flags}
        resolver = Resolver(
            cite=cite,
            glue=glue,
            ref=lambda label: std.labels[label][2],
            doc=lambda name, base=docname: env.titles[_docname(base, name)].astext(),
        )
        try:
            result = reader_notebook(notebook, lambda text: messages.get(text, text), resolver)
        except KeyError as error:
            logger.warning("%s: the downloadable notebook cannot resolve %s (unknown glue key, label, "
                           "document or citation key)", docname, error, type="survey", subtype="notebook")
            _date_to_read_time(path, env.all_docs[docname])
            continue
        text = nbformat.writes(nbformat.from_dict(result))
        if path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        _date_to_read_time(path, env.all_docs[docname])


def _date_to_read_time(path, read_time_us: int) -> None:
    """Give ``path`` the modification time at which its document was read.

    The notebook a page offers for download is a dependency of that page
    (Sphinx copies download files), but MyST-NB and this module write it while
    the page is read, after Sphinx noted the read time; so it always looked
    newer than the page, and every build re-read every notebook.  It is an
    output of that read, so it is dated to it.
    """
    import os

    stamp = read_time_us * 1_000 - 1_000
    os.utime(path, ns=(stamp, stamp))


def _docname(base: str, target: str) -> str:
    import posixpath

    if target.startswith("/"):
        return target.lstrip("/").rsplit(".md", 1)[0]
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target)).rsplit(".md", 1)[0]


def setup(app) -> None:
    """Connect to Sphinx: note which documents are read, then rewrite their notebooks once all are read."""
    app.connect("env-before-read-docs", _read_docs)
    app.connect("env-updated", write_reader_notebooks)

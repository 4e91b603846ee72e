"""Reading and checking ``references.bib``.

Parsing is pybtex's; this module adds what the survey requires of every
entry (fields per entry type, taxonomy ``keywords``, the citation-key rule,
one entry per paper) and reports each problem with file, line and key.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import latexcodec  # noqa: F401  (registers the "ulatex" codec)
from pybtex.database import BibliographyData, Entry, parse_string
from pybtex.scanner import PybtexError, PybtexSyntaxError

from .taxonomy import Taxonomy

#: Fields each entry type must have (``author`` may be replaced by ``key`` for tools).
REQUIRED_FIELDS = {
    "article": ("author", "title", "journal", "year"),
    "inproceedings": ("author", "title", "booktitle", "year"),
    "misc": ("title", "year", "url"),
}

#: Title words skipped when the citation key takes the first significant word.
STOP_WORDS = frozenset(
    "a an the on of for to in and with via by from is are do does what how towards toward through using".split()
)

_HEADER = re.compile(r"^[ \t]*@[ \t]*(\w+)[ \t]*[{(][ \t]*([^,\s]*)", re.MULTILINE)
_NON_ENTRY = {"comment", "string", "preamble"}


@dataclass(frozen=True)
class Problem:
    """One defect in a bibliography file: where (``path``, 1-based ``line``), which ``key``, and what."""

    path: Path
    line: int
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: [{self.key}] {self.message}"


class BibliographyCheckError(ValueError):
    """Raised by :func:`require_valid` when a bibliography has problems; ``problems`` lists them all."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(
            f"{len(problems)} problem(s) in the bibliography:\n" + "\n".join(str(p) for p in problems)
        )


def entry_lines(text: str) -> list[tuple[str, str, int]]:
    """``(entry type, citation key, 1-based line)`` of every entry header in BibTeX ``text``, in order."""
    found = []
    for match in _HEADER.finditer(text):
        if match.group(1).lower() in _NON_ENTRY:
            continue
        found.append((match.group(1).lower(), match.group(2), text.count("\n", 0, match.start()) + 1))
    return found


def latex_to_text(value: str) -> str:
    """Decode LaTeX accents and drop protecting braces: ``{\\L}ukasz`` becomes ``Łukasz``."""
    try:
        decoded = codecs.decode(value, "ulatex")
    except (UnicodeDecodeError, ValueError, TypeError):
        decoded = value
    return re.sub(r"[{}]", "", decoded)


def _ascii_letters(value: str) -> str:
    folded = unicodedata.normalize("NFKD", latex_to_text(value).replace("Ł", "L").replace("ł", "l"))
    return re.sub(r"[^a-z0-9]", "", folded.encode("ascii", "ignore").decode().lower())


def first_significant_word(title: str) -> str:
    """The first title word not in :data:`STOP_WORDS`, lower-case ASCII letters and digits."""
    for word in re.split(r"[^A-Za-z0-9]+", _fold(latex_to_text(title))):
        if word and word.lower() not in STOP_WORDS:
            return word.lower()
    return ""


def _fold(value: str) -> str:
    return unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()


def expected_key(entry: Entry) -> str:
    """The citation key the survey's rule gives ``entry``.

    Rule (after ``han2015learning``): first author's family name (von part
    included), year, first significant title word, all folded to lower-case
    ASCII.  An entry without authors (a tool) uses its ``key`` field
    instead of the family name.
    """
    persons = entry.persons.get("author") or entry.persons.get("editor")
    if persons:
        first = persons[0]
        name = _ascii_letters("".join(first.prelast_names + first.last_names))
    else:
        name = _ascii_letters(entry.fields.get("key", ""))
    return f"{name}{entry.fields.get('year', '')}{first_significant_word(entry.fields.get('title', ''))}"


def normalized_title(title: str) -> str:
    """Lower-case letters and digits of a title, for finding the same paper under two keys."""
    return re.sub(r"[^a-z0-9]", "", _fold(latex_to_text(title)).lower())


def keyword_ids(entry: Entry) -> list[str]:
    """The taxonomy ids in an entry's ``keywords`` field, in order (first is the primary node)."""
    return [k.strip() for k in entry.fields.get("keywords", "").split(",") if k.strip()]


def parse_bibliography(path: Path) -> BibliographyData:
    """Parse ``path`` with pybtex.

    Raises :class:`BibliographyCheckError` (with file and line) on a syntax
    error or a repeated citation key.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    problems = _duplicate_keys(path, text)
    if problems:
        raise BibliographyCheckError(problems)
    try:
        return parse_string(text, "bibtex")
    except PybtexSyntaxError as error:
        key = _key_before_line(text, error.lineno or 1)
        raise BibliographyCheckError([Problem(path, error.lineno or 0, key, f"malformed entry: {error}")]) from error
    except PybtexError as error:
        raise BibliographyCheckError([Problem(path, 0, "?", f"cannot parse: {error}")]) from error


def _key_before_line(text: str, line: int) -> str:
    key = "?"
    for _, entry_key, entry_line in entry_lines(text):
        if entry_line <= line:
            key = entry_key
    return key


def _duplicate_keys(path: Path, text: str) -> list[Problem]:
    first_line: dict[str, int] = {}
    problems = []
    for _, key, line in entry_lines(text):
        lowered = key.lower()
        if lowered in first_line:
            problems.append(Problem(path, line, key, f"duplicate citation key (first defined at line {first_line[lowered]})"))
        else:
            first_line[lowered] = line
    return problems


def check_bibliography(path: Path, taxonomy: Taxonomy) -> list[Problem]:
    """Every problem of the bibliography at ``path``; an empty list means it is valid.

    Checks: syntax, unique citation keys, required fields per entry type,
    ASCII-only text, four-digit years, ``eprint`` with ``archiveprefix``,
    NIPS/NeurIPS naming by year, ``keywords`` present and every id in
    ``taxonomy``, keys following :func:`expected_key`, and no paper under
    two keys (same normalised title, arXiv id or DOI).
    """
    path = Path(path)
    try:
        data = parse_bibliography(path)
    except BibliographyCheckError as error:
        return error.problems
    text = path.read_text(encoding="utf-8")
    lines = {key.lower(): line for _, key, line in entry_lines(text)}
    problems: list[Problem] = []
    seen: dict[tuple[str, str], str] = {}
    for key, entry in data.entries.items():
        line = lines.get(key.lower(), 0)

        def report(message: str, key: str = key, line: int = line) -> None:
            problems.append(Problem(path, line, key, message))

        required = REQUIRED_FIELDS.get(entry.type)
        if required is None:
            report(f"entry type @{entry.type} is not one the survey uses ({', '.join(REQUIRED_FIELDS)})")
            required = ()
        for name in required:
            if name == "author" and not entry.persons.get("author"):
                report("missing field 'author'")
            elif name != "author" and not entry.fields.get(name, "").strip():
                report(f"missing field '{name}'")
        if entry.type == "misc" and not entry.persons.get("author") and not entry.fields.get("key"):
            report("a @misc without author needs a 'key' field for sorting")
        year = entry.fields.get("year", "")
        if year and not re.fullmatch(r"(19|20)\d\d", year):
            report(f"year {year!r} is not a four-digit year")
        booktitle = entry.fields.get("booktitle", "")
        if year.isdigit() and "(NIPS)" in booktitle and int(year) >= 2018:
            report("the conference is called NeurIPS from 2018 on")
        if year.isdigit() and "(NeurIPS)" in booktitle and int(year) <= 2017:
            report("the conference was called NIPS up to 2017")
        if entry.type == "inproceedings" and entry.fields.get("volume") and entry.fields.get("number"):
            report("an @inproceedings cannot have both 'volume' and 'number' (BibTeX styles reject it)")
        if entry.fields.get("eprint") and entry.fields.get("archiveprefix", "").lower() != "arxiv":
            report("an 'eprint' needs archiveprefix = {arXiv}")
        ids = keyword_ids(entry)
        if not ids:
            report("missing field 'keywords' (taxonomy ids)")
        for node_id in ids:
            if node_id not in taxonomy:
                report(f"unknown taxonomy id {node_id!r} in keywords (see {taxonomy.path.name})")
        wanted = expected_key(entry)
        if not re.fullmatch(re.escape(wanted) + r"[b-z]?", key):
            report(f"citation key does not follow the rule: expected {wanted!r}")
        identities = [
            ("title", normalized_title(entry.fields.get("title", ""))),
            ("arXiv id", entry.fields.get("eprint", "").strip()),
            ("DOI", entry.fields.get("doi", "").strip().lower()),
        ]
        for kind, value in identities:
            if not value:
                continue
            if (kind, value) in seen:
                report(f"the same paper as {seen[(kind, value)]!r} (same {kind}); keep one entry")
            else:
                seen[(kind, value)] = key
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.isascii():
            problems.append(Problem(path, number, _key_before_line(text, number), "non-ASCII text; use a LaTeX escape"))
    return sorted(problems, key=lambda p: (p.line, p.message))


def require_valid(path: Path, taxonomy: Taxonomy) -> BibliographyData:
    """Parse ``path`` and raise :class:`BibliographyCheckError` listing every problem, if there is any."""
    problems = check_bibliography(path, taxonomy)
    if problems:
        raise BibliographyCheckError(problems)
    return parse_bibliography(path)

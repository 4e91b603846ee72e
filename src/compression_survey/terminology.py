"""The bilingual terminology (``terminology.yaml``) and the check of the Chinese catalogs against it.

The terminology file is the single source of the glossary page, of the
words added to the Chinese search dictionary, and of the terminology check:
wherever an English message uses a listed term (whole word, any case, a
plural ``s``/``es`` allowed; text inside roles, inline code, math and
links is ignored), its Chinese translation must contain the term's ``zh``
or one of its ``zh_variants``. An occurrence inside an occurrence of a
longer listed term ("bit" inside "bit-width") counts as the longer term only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import polib
import yaml

from .taxonomy import Taxonomy

#: Group id of the terms that belong to no single family.
GENERAL = "general"
GENERAL_LABELS = {"en": "General terms", "zh_CN": "通用术语"}


class TerminologyError(ValueError):
    """``terminology.yaml`` is malformed; the message names file, line and term."""


@dataclass(frozen=True)
class Term:
    """One entry: English term, standard Chinese term, accepted Chinese variants, group, definitions.

    ``definition`` maps a language code (``en``, ``zh_CN``) to a one-line definition.
    ``line`` is the 1-based line of the entry in the file.
    """

    en: str
    zh: str
    group: str
    definition: dict[str, str]
    zh_variants: tuple[str, ...] = ()
    line: int = 0
    #: English phrases in which the term has another sense ("model family", "bits-back"):
    #: an occurrence inside one of them is not checked.
    en_exceptions: tuple[str, ...] = ()

    @property
    def chinese_forms(self) -> tuple[str, ...]:
        """The standard Chinese term followed by its accepted variants."""
        return (self.zh, *self.zh_variants)

    def pattern(self) -> re.Pattern[str]:
        """Regular expression matching the English term as a whole word, any case, plural allowed."""
        words = r"[\s\-–]+".join(re.escape(w) for w in re.split(r"[\s\-–]+", self.en))
        return re.compile(rf"(?<![\w-]){words}(?:s|es)?(?![\w])", re.IGNORECASE)


@dataclass
class Terminology:
    """All terms of ``terminology.yaml`` in file order."""

    path: Path
    terms: list[Term] = field(default_factory=list)

    def by_en(self, en: str) -> Term:
        """The term whose English form is ``en`` (any case); raises ``KeyError`` if none."""
        for term in self.terms:
            if term.en.lower() == en.lower():
                return term
        raise KeyError(en)

    def groups(self, taxonomy: Taxonomy) -> list[tuple[str, list[Term]]]:
        """``(group id, terms)`` pairs: general terms first, then the taxonomy's families in order."""
        order = [GENERAL, *(family.id for family in taxonomy.families)]
        return [(g, [t for t in self.terms if t.group == g]) for g in order if any(t.group == g for t in self.terms)]

    def chinese_words(self) -> set[str]:
        """Every Chinese form (standard and variants) that contains a CJK character."""
        return {w for t in self.terms for w in t.chinese_forms if has_cjk(w)}


def has_cjk(text: str) -> bool:
    """Whether ``text`` contains a CJK unified ideograph (a Chinese character)."""
    return re.search(r"[\u4e00-\u9fff]", text) is not None


def load_terminology(path: str | Path, taxonomy: Taxonomy) -> Terminology:
    """Read and check ``terminology.yaml``.

    Raises :class:`TerminologyError` naming ``file:line`` and the term for:
    invalid YAML, a missing or empty ``en``/``zh``/definition (both ``en``
    and ``zh_CN``), a ``group`` that is neither ``general`` nor a taxonomy
    family id, and an English or Chinese term listed twice.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise TerminologyError(f"{path}: invalid YAML: {error}") from error
    if not isinstance(data, dict) or not isinstance(data.get("terms"), list):
        raise TerminologyError(f"{path}:1: expected a mapping with a 'terms' list")
    terms_node = next(v for k, v in root.value if k.value == "terms")
    families = {family.id for family in taxonomy.families}
    terminology = Terminology(path)
    seen_en: dict[str, int] = {}
    seen_zh: dict[str, int] = {}
    for item, node in zip(data["terms"], terms_node.value):
        line = node.start_mark.line + 1
        where = f"{path}:{line}"
        if not isinstance(item, dict):
            raise TerminologyError(f"{where}: each term must be a mapping")
        en, zh = str(item.get("en") or "").strip(), str(item.get("zh") or "").strip()
        if not en or not zh:
            raise TerminologyError(f"{where}: [{en or '?'}] needs both 'en' and 'zh'")
        group = item.get("group")
        if group != GENERAL and group not in families:
            raise TerminologyError(f"{where}: [{en}] unknown group {group!r} (use 'general' or a taxonomy family id)")
        definition = item.get("definition") or {}
        for lang in ("en", "zh_CN"):
            if not str(definition.get(lang) or "").strip():
                raise TerminologyError(f"{where}: [{en}] missing definition.{lang}")
        for key, value, seen in ((en.lower(), en, seen_en), (zh, zh, seen_zh)):
            if key in seen:
                raise TerminologyError(f"{where}: [{en}] {value!r} is already listed at line {seen[key]}")
            seen[key] = line
        variants = tuple(str(v) for v in item.get("zh_variants") or ())
        exceptions = tuple(str(v) for v in item.get("en_exceptions") or ())
        terminology.terms.append(
            Term(en, zh, group, {k: str(v) for k, v in definition.items()}, variants, line, exceptions)
        )
    return terminology


_IGNORED = [
    re.compile(r"\{[\w:.-]+\}`[^`]*`"),  # roles: {cite}`key`, {term}`x <y>`, {glue:text}`...`
    re.compile(r"``[^`]*``|`[^`]*`"),  # inline code
    re.compile(r"\$\$.*?\$\$|\$[^$]*\$", re.S),  # math
    re.compile(r"\]\([^)]*\)"),  # link targets
    re.compile(r"https?://\S+"),
]


def _plain(text: str) -> str:
    for pattern in _IGNORED:
        text = pattern.sub(" ", text)
    return text


def terminology_problems(po_dir: str | Path, terminology: Terminology) -> list[str]:
    """Translations in the catalogs under ``po_dir`` that do not use the standard Chinese term.

    One line per problem: ``<catalog>:<line>: '<English term>' needs '<zh>' in: <msgid, shortened>``.
    Untranslated messages are skipped here (the catalog check reports them), and so are
    messages kept verbatim (translation identical to the source: display math, names).
    """
    problems = []
    patterns = [(term, term.pattern()) for term in terminology.terms]
    # longer terms first: an occurrence of a term inside an occurrence of a longer listed term
    # ("bit" in "bit-width") is checked as the longer term only
    by_length = sorted(patterns, key=lambda tp: len(tp[0].en), reverse=True)
    for po_path in sorted(Path(po_dir).rglob("*.po")):
        for entry in polib.pofile(str(po_path)):
            if entry.obsolete or not entry.msgstr.strip() or entry.msgstr == entry.msgid:
                continue  # untranslated (reported by the catalog check) or verbatim (display math, names)
            source = _plain(entry.msgid)
            found = set()
            for term, pattern in by_length:
                text = source
                for phrase in term.en_exceptions:  # the term in another sense
                    text = re.sub(re.escape(phrase), lambda m: " " * len(m.group(0)), text, flags=re.IGNORECASE)
                spans = [m.span() for m in pattern.finditer(text)]
                if spans:
                    found.add(term.en)
                    for start, end in spans:
                        source = source[:start] + " " * (end - start) + source[end:]
            for term, _pattern in patterns:
                if term.en in found and not any(form in entry.msgstr for form in term.chinese_forms):
                    problems.append(
                        f"{po_path}:{entry.linenum}: '{term.en}' needs '{term.zh}' in: {entry.msgid[:70]}"
                    )
    return problems

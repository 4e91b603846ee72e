"""Find the paper entries in the seed lists under ``shared/seeds``.

A *seed entry* is one line of a seed file that names one paper, tool or
collection.  The seed files use five formats (checkbox list, dated list,
fixed-width table, Chinese dated list, fenced BibTeX); :func:`seed_entries`
recognises the entry lines of all of them so that coverage of the seeds by
``references.bib`` can be tested line by line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

#: Line patterns that mark an entry.  Each matches a whole seed line.
_ENTRY_PATTERNS = (
    re.compile(r"^- \[[ x]\] \S"),  # checkbox list
    re.compile(r"^- \d{4}(\.\d{2})?-"),  # "2019-CVPR-[Title](url)" lists
    re.compile(r"^\s*\d{4}\s{2,}\S"),  # fixed-width table rows
    re.compile(r"^\+ \[[^\]]+\]\(http"),  # "+ [Tool](url)" link lists
    re.compile(r"^@\w+\{"),  # BibTeX entries inside fenced blocks
)


@dataclass(frozen=True)
class SeedEntry:
    """One entry line of a seed file.

    ``file`` is the seed file's name (no directory), ``line`` the 1-based
    line number and ``text`` the stripped line.
    """

    file: str
    line: int
    text: str


def seed_entries(seed_dir: Path) -> list[SeedEntry]:
    """Return every entry line of every ``*.txt`` file in ``seed_dir``.

    Files are read in name order, lines in file order.  Raises
    :class:`FileNotFoundError` if ``seed_dir`` does not exist.
    """
    seed_dir = Path(seed_dir)
    if not seed_dir.is_dir():
        raise FileNotFoundError(f"seed directory not found: {seed_dir}")
    found: list[SeedEntry] = []
    for path in sorted(seed_dir.glob("*.txt")):
        for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if any(p.match(raw) for p in _ENTRY_PATTERNS):
                found.append(SeedEntry(path.name, number, raw.strip()))
    return found

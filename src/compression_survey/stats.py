"""Literature statistics of ``references.bib`` as pandas tables.

Used by ``notebooks/literature_statistics.md``; every number the site
states about the bibliography comes from these functions through MyST-NB
glue.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .bibliography import keyword_ids, latex_to_text, parse_bibliography
from .taxonomy import Taxonomy

#: Families that hold works rather than compression methods.
NON_METHOD_FAMILIES = ("survey", "tool", "adjacent")

_ACRONYM = re.compile(r"\(([A-Za-z][A-Za-z0-9-]*)\)\s*$")


def venue_of(entry_type: str, fields: dict[str, str]) -> str:
    """Short venue name of an entry.

    The acronym in parentheses at the end of ``booktitle`` or ``journal``
    (``... (CVPR)`` gives ``CVPR``), suffixed ``Workshop`` for workshop
    papers; ``arXiv`` for an arXiv-only ``@misc``; the full journal or
    booktitle when it has no acronym; ``other`` otherwise.
    """
    venue = fields.get("booktitle") or fields.get("journal") or ""
    if venue:
        text = latex_to_text(venue)
        match = _ACRONYM.search(text)
        short = match.group(1) if match else text
        if "workshop" in text.lower() and "workshop" not in short.lower():
            short += " Workshop"
        return short
    if entry_type == "misc" and fields.get("archiveprefix", "").lower() == "arxiv":
        return "arXiv"
    return "other"


def bibliography_frame(bib_path: Path, taxonomy: Taxonomy) -> pd.DataFrame:
    """One row per entry of the bibliography at ``bib_path``.

    Columns: ``key`` (citation key), ``entry_type``, ``year`` (int),
    ``venue`` (see :func:`venue_of`), ``nodes`` (tuple of taxonomy ids),
    ``families`` (tuple of family ids, no repeats, file order),
    ``primary_family`` (family of the first id), ``has_code`` (bool: a
    ``code`` field is present), ``is_method`` (bool: the entry belongs to
    at least one family outside :data:`NON_METHOD_FAMILIES`).
    Raises :class:`~compression_survey.bibliography.BibliographyCheckError`
    on a file that does not parse.
    """
    data = parse_bibliography(bib_path)
    rows = []
    for key, entry in data.entries.items():
        ids = keyword_ids(entry)
        families = tuple(dict.fromkeys(taxonomy.family_of(i).id for i in ids))
        rows.append(
            {
                "key": key,
                "entry_type": entry.type,
                "year": int(entry.fields["year"]),
                "venue": venue_of(entry.type, dict(entry.fields)),
                "nodes": tuple(ids),
                "families": families,
                "primary_family": families[0],
                "has_code": bool(entry.fields.get("code")),
                "is_method": any(f not in NON_METHOD_FAMILIES for f in families),
            }
        )
    return pd.DataFrame(rows)


def papers_per_family(frame: pd.DataFrame, taxonomy: Taxonomy) -> pd.Series:
    """Number of entries in each family (an entry counts once in every family it belongs to), in taxonomy order."""
    counts = frame.explode("families")["families"].value_counts()
    return pd.Series({f.id: int(counts.get(f.id, 0)) for f in taxonomy.families}, name="entries")


def papers_per_year(frame: pd.DataFrame) -> pd.DataFrame:
    """Entries per year (rows, every year from first to last) and primary family (columns)."""
    table = pd.crosstab(frame["year"], frame["primary_family"])
    years = range(int(frame["year"].min()), int(frame["year"].max()) + 1)
    return table.reindex(years, fill_value=0)


def papers_per_venue(frame: pd.DataFrame) -> pd.Series:
    """Entries per venue, most frequent first, ties broken by venue name."""
    counts = frame["venue"].value_counts()
    return counts.sort_index().sort_values(ascending=False, kind="stable")


def code_share(frame: pd.DataFrame) -> float:
    """Percentage (0–100) of method entries (see ``is_method``) that link a code repository."""
    methods = frame[frame["is_method"]]
    return 100.0 * methods["has_code"].mean() if len(methods) else 0.0

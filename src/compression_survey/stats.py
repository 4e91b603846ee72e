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


def family_year_counts(frame: pd.DataFrame, taxonomy: Taxonomy, since: int | None = None) -> pd.DataFrame:
    """Entries per year (rows) and family (columns, taxonomy order), an entry counting once in each of its families.

    Unlike :func:`papers_per_year` (primary family only) a paper on pruning
    and quantization adds one to both columns.  Rows cover every year from
    ``since`` (default: the first year of the bibliography) to the last
    year, with zeros for years without entries; entries before ``since``
    are left out.  Raises :class:`ValueError` if ``since`` is after the last year.
    """
    last = int(frame["year"].max())
    first = int(frame["year"].min()) if since is None else since
    if first > last:
        raise ValueError(f"since={since} is after the last year {last}")
    exploded = frame.explode("families")
    table = pd.crosstab(exploded["year"], exploded["families"])
    columns = [f.id for f in taxonomy.families]
    return table.reindex(index=range(first, last + 1), columns=columns, fill_value=0).rename_axis(
        index="year", columns="family"
    )


def latest_run_start(years: pd.Index | list[int]) -> int:
    """First year of the last unbroken run of consecutive years in ``years`` (e.g. 2014 for 1989, 1993, 2014–2021).

    Raises :class:`ValueError` for no years.
    """
    ordered = sorted(set(int(y) for y in years))
    if not ordered:
        raise ValueError("no years")
    start = ordered[-1]
    while start - 1 in ordered:
        start -= 1
    return start


def family_cooccurrence(frame: pd.DataFrame, taxonomy: Taxonomy) -> pd.DataFrame:
    """Family × family table of entry counts (rows and columns in taxonomy order).

    Cell ``(a, b)`` counts the entries that belong to both ``a`` and ``b``;
    the diagonal ``(a, a)`` counts the entries of ``a`` (as :func:`papers_per_family`).
    The table is symmetric.
    """
    ids = [f.id for f in taxonomy.families]
    table = pd.DataFrame(0, index=pd.Index(ids, name="family"), columns=pd.Index(ids, name="family"))
    for families in frame["families"]:
        for a in families:
            for b in families:
                table.loc[a, b] += 1
    return table


def family_pairs(frame: pd.DataFrame, taxonomy: Taxonomy) -> pd.Series:
    """Entries shared by each pair of different families, most frequent first (ties in taxonomy order).

    Index: ``(family_a, family_b)`` with ``family_a`` before ``family_b`` in
    the taxonomy; only pairs with at least one shared entry.  An entry in
    three families counts once in each of its three pairs.
    """
    table = family_cooccurrence(frame, taxonomy)
    ids = list(table.index)
    pairs = {
        (a, b): int(table.loc[a, b])
        for i, a in enumerate(ids)
        for b in ids[i + 1 :]
        if table.loc[a, b] > 0
    }
    series = pd.Series(pairs, name="entries", dtype="int64")
    if series.empty:
        return series
    return series.sort_values(ascending=False, kind="stable")


def code_share_per_family(frame: pd.DataFrame, taxonomy: Taxonomy) -> pd.DataFrame:
    """Per family (rows, taxonomy order): ``entries``, ``with_code`` (entries with a ``code`` field) and ``share_pct`` (0–100).

    An entry counts in each of its families; a family without entries has
    a ``share_pct`` of 0.
    """
    exploded = frame.explode("families")
    rows = {}
    for family in taxonomy.families:
        members = exploded[exploded["families"] == family.id]
        with_code = int(members["has_code"].sum())
        rows[family.id] = {
            "entries": len(members),
            "with_code": with_code,
            "share_pct": 100.0 * with_code / len(members) if len(members) else 0.0,
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("family")


def venue_family_table(frame: pd.DataFrame, taxonomy: Taxonomy, top: int = 8) -> pd.DataFrame:
    """Entries of the ``top`` most frequent venues (rows, order of :func:`papers_per_venue`) per family (columns, taxonomy order).

    An entry counts in each of its families; families with no entry in
    these venues are dropped.  Raises :class:`ValueError` unless ``top`` ≥ 1.
    """
    if top < 1:
        raise ValueError(f"top must be >= 1, got {top}")
    venues = list(papers_per_venue(frame).index[:top])
    exploded = frame[frame["venue"].isin(venues)].explode("families")
    table = pd.crosstab(exploded["venue"], exploded["families"])
    columns = [f.id for f in taxonomy.families if f.id in table.columns]
    return table.reindex(index=venues, columns=columns, fill_value=0).rename_axis(index="venue", columns="family")

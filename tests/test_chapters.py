"""The survey chapters: the common skeleton, every seed paper cited, comparison tables true to the bibliography."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from pybtex.database import parse_file

from compression_survey.stats import venue_of

CHAPTERS = Path("docs") / "chapters"
#: Family chapters: file stem -> (label suffix, extra required method-section labels).
FAMILY_CHAPTERS = {
    "pruning": ("pruning", []),
    "quantization": ("quantization", []),
    "distillation": ("distillation", []),
    "low_rank": ("low-rank", []),
    "efficient_design": ("efficient-design", ["architectures", "nas"]),
    "large_models": ("large-models", []),
}
#: Taxonomy family whose sub-families get one section each in a chapter.
CHAPTER_FAMILY = {
    "pruning": "pruning",
    "quantization": "quantization",
    "distillation": "distillation",
    "large_models": "large-models",
}
SKELETON = ["problem", "formulation", "methods", "comparison", "guidance", "summary"]
CITE = re.compile(r"\{cite(?::\w+)?\}`([^`]+)`")
LABEL = re.compile(r"^\(([\w-]+)\)=\s*$", re.M)


def chapter_text(root: Path, stem: str) -> str:
    return (root / CHAPTERS / f"{stem}.md").read_text(encoding="utf-8")


def cited_keys(text: str) -> set[str]:
    return {key.strip() for group in CITE.findall(text) for key in group.split(",")}


def labels_with_lines(text: str) -> dict[str, int]:
    return {m.group(1): text.count("\n", 0, m.start()) for m in LABEL.finditer(text)}


def test_every_seed_paper_is_cited_from_a_chapter(root):
    with open(root / "curation" / "seed_map.tsv", encoding="utf-8") as f:
        seed_keys = {row["key"] for row in csv.DictReader(f, delimiter="\t")}
    cited: set[str] = set()
    for path in sorted((root / CHAPTERS).glob("*.md")):
        cited |= cited_keys(path.read_text(encoding="utf-8"))
    missing = sorted(seed_keys - cited)
    assert not missing, f"{len(missing)} seed papers are not cited from any chapter: {', '.join(missing)}"


@pytest.mark.parametrize("stem", sorted(FAMILY_CHAPTERS))
def test_family_chapter_has_the_skeleton(root, taxonomy, stem):
    suffix, extra = FAMILY_CHAPTERS[stem]
    text = chapter_text(root, stem)
    labels = labels_with_lines(text)
    required = [f"sec-{suffix}"] + [f"sec-{suffix}-{part}" for part in SKELETON]
    missing = [label for label in required if label not in labels]
    assert not missing, f"{stem}.md lacks the sections {missing}"
    lines = [labels[label] for label in required]
    assert lines == sorted(lines), f"{stem}.md: skeleton sections out of order"
    # one section per sub-family (or per required idea), inside Methods
    family = CHAPTER_FAMILY.get(stem)
    parts = [child.id.split(".", 1)[1] for child in taxonomy.by_id[family].children] if family else []
    for part in parts + extra:
        label = f"sec-{suffix}-{part}"
        assert label in labels, f"{stem}.md has no section {label}"
        assert labels[f"sec-{suffix}-methods"] < labels[label] < labels[f"sec-{suffix}-comparison"], label
    body = text.splitlines()
    # the comparison section holds at least one comparison table
    comparison = "\n".join(body[labels[f"sec-{suffix}-comparison"] : labels[f"sec-{suffix}-guidance"]])
    assert re.search(r"^\|\s*Method\s*\|\s*Year\s*\|\s*Venue\s*\|", comparison, re.M), f"{stem}.md: no comparison table"
    # formulation has math; summary links a worked example
    formulation = "\n".join(body[labels[f"sec-{suffix}-formulation"] : labels[f"sec-{suffix}-methods"]])
    assert "$" in formulation, f"{stem}.md: the formulation has no math"
    summary = "\n".join(body[labels[f"sec-{suffix}-summary"] :])
    assert re.search(r"\{ref\}`[^`]*nb-[\w-]+>?`", summary), f"{stem}.md: the summary links no worked example"


def comparison_rows(text: str):
    """(line number, cells) of every row of every table whose header starts Method | Year | Venue."""
    in_table = False
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("|"):
            in_table = False
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[:3] == ["Method", "Year", "Venue"]:
            in_table = True
            continue
        if in_table and not set("".join(cells)) <= set("-: "):
            yield number, cells


def table_problems(name: str, text: str, database) -> list[str]:
    """Rows of the comparison tables in ``text`` whose key, year or venue disagree with ``database``."""
    problems = []
    for number, cells in comparison_rows(text):
        keys = cited_keys(cells[0])
        where = f"{name}:{number}"
        if len(keys) != 1:
            problems.append(f"{where}: the Method cell must cite exactly one key: {cells[0]}")
            continue
        key = keys.pop()
        if key not in database.entries:
            problems.append(f"{where}: unknown key {key}")
            continue
        entry = database.entries[key]
        if cells[1] != entry.fields.get("year"):
            problems.append(f"{where}: [{key}] year {cells[1]} but the bibliography says {entry.fields.get('year')}")
        venue = venue_of(entry.type, dict(entry.fields))
        if cells[2] != venue:
            problems.append(f"{where}: [{key}] venue {cells[2]} but the bibliography says {venue}")
    return problems


@pytest.fixture(scope="module")
def database(root):
    return parse_file(str(root / "references.bib"))


def test_comparison_tables_agree_with_the_bibliography(root, database):
    problems = []
    for path in sorted((root / CHAPTERS).glob("*.md")):
        problems += table_problems(path.name, path.read_text(encoding="utf-8"), database)
    assert not problems, "\n".join(problems)


def test_table_check_names_a_wrong_year_and_an_unknown_key(database):
    right = venue_of(database.entries["han2015learning"].type, dict(database.entries["han2015learning"].fields))
    text = (
        "| Method | Year | Venue | Data |\n|---|---|---|---|\n"
        f"| {{cite}}`han2015learning` | 2014 | {right} | yes |\n"
        f"| {{cite}}`nosuchkey2099` | 2099 | {right} | no |\n"
    )
    problems = table_problems("x.md", text, database)
    assert problems == [
        "x.md:3: [han2015learning] year 2014 but the bibliography says 2015",
        "x.md:4: unknown key nosuchkey2099",
    ]

"""references.bib: parses, follows the survey's rules, covers every seed entry; bad input is reported precisely."""

from __future__ import annotations

import csv
import filecmp
import textwrap
from pathlib import Path

import pytest

from compression_survey.bibliography import (
    BibliographyCheckError,
    check_bibliography,
    expected_key,
    keyword_ids,
    normalized_title,
    parse_bibliography,
    require_valid,
)
from compression_survey import PROJECT_ROOT
from compression_survey.seeds import seed_entries

#: The five seed lists, copied from shared/seeds so that the project is self-contained.
SEED_DIR = PROJECT_ROOT / "curation" / "seeds"
SHARED_SEED_DIR = PROJECT_ROOT.parent / "shared" / "seeds"

GOOD = """\
@inproceedings{han2015learning,
  author    = {Han, Song and Pool, Jeff and Tran, John and Dally, William J.},
  title     = {Learning both Weights and Connections for Efficient Neural Network},
  booktitle = {Advances in Neural Information Processing Systems (NIPS)},
  year      = {2015},
  url       = {https://example.org/han},
  keywords  = {pruning.unstructured},
}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "refs.bib"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def messages(tmp_path, taxonomy, text):
    return [str(p) for p in check_bibliography(write(tmp_path, text), taxonomy)]


def test_references_bib_has_no_problems(root, taxonomy):
    problems = check_bibliography(root / "references.bib", taxonomy)
    assert problems == [], "\n".join(map(str, problems))


def test_every_entry_is_one_distinct_paper(root):
    data = parse_bibliography(root / "references.bib")
    titles = [normalized_title(e.fields["title"]) for e in data.entries.values()]
    assert len(titles) == len(set(titles))
    eprints = [e.fields["eprint"] for e in data.entries.values() if "eprint" in e.fields]
    assert len(eprints) == len(set(eprints))


def test_every_keyword_is_a_taxonomy_id(root, taxonomy):
    data = parse_bibliography(root / "references.bib")
    unknown = {(k, i) for k, e in data.entries.items() for i in keyword_ids(e) if i not in taxonomy}
    assert not unknown


def test_seed_copies_match_shared_seeds():
    if not SHARED_SEED_DIR.is_dir():
        pytest.skip("no shared/seeds beside the checkout to compare with")
    names = sorted(p.name for p in SHARED_SEED_DIR.glob("*.txt"))
    assert names == sorted(p.name for p in SEED_DIR.glob("*.txt"))
    _, mismatch, errors = filecmp.cmpfiles(SHARED_SEED_DIR, SEED_DIR, names, shallow=False)
    assert mismatch == errors == []


def test_every_seed_entry_maps_to_an_existing_key(root):
    keys = set(parse_bibliography(root / "references.bib").entries.keys())
    with open(root / "curation" / "seed_map.tsv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    mapped = {(r["seed_file"], int(r["line"])): r["key"] for r in rows}
    assert len(mapped) == len(rows), "a seed line is mapped twice"
    entries = {(e.file, e.line) for e in seed_entries(SEED_DIR)}
    assert len(entries) > 200
    assert sorted(entries - set(mapped)) == [], "seed entries without a key"
    assert sorted(set(mapped) - entries) == [], "mapped lines that are not seed entries"
    assert sorted({k for k in mapped.values() if k not in keys}) == []


def added_works(root) -> list[dict]:
    """Rows of ``curation/added_works.tsv``: works added beyond the seeds (key, issue, family, criterion, sources)."""
    with open(root / "curation" / "added_works.tsv", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_every_bibliography_entry_comes_from_a_seed_or_the_added_works_log(root):
    keys = set(parse_bibliography(root / "references.bib").entries.keys())
    with open(root / "curation" / "seed_map.tsv", encoding="utf-8") as handle:
        mapped = {r["key"] for r in csv.DictReader(handle, delimiter="\t")}
    added = [r["key"] for r in added_works(root)]
    assert len(added) == len(set(added)), "a work is logged twice in curation/added_works.tsv"
    assert sorted(keys - mapped - set(added)) == [], "entries neither from a seed nor in curation/added_works.tsv"
    assert sorted(set(added) - keys) == [], "curation/added_works.tsv names keys missing from references.bib"
    assert sorted(set(added) & mapped) == [], "a seed paper is also logged as added"


def test_every_added_work_names_its_criterion_and_sources(root):
    for row in added_works(root):
        assert row["criterion"].strip() and row["sources"].strip(), row["key"]


def test_a_valid_entry_passes(tmp_path, taxonomy):
    assert messages(tmp_path, taxonomy, GOOD) == []


def test_key_rule():
    from pybtex.database import parse_string

    entry = parse_string(GOOD.replace("Han, Song", "van der Maaten, Laurens"), "bibtex").entries["han2015learning"]
    assert expected_key(entry) == "vandermaaten2015learning"
    entry = parse_string(GOOD.replace("{Learning both", "{The Lottery of Learning both"), "bibtex").entries[
        "han2015learning"
    ]
    assert expected_key(entry) == "han2015lottery"


def test_malformed_entry_is_reported_with_line_and_key(tmp_path, taxonomy):
    text = GOOD + "\n@misc{broken2020entry,\n  title = {Unclosed,\n  year = {2020},\n"
    found = messages(tmp_path, taxonomy, text)
    assert len(found) == 1
    assert "refs.bib:" in found[0] and "[broken2020entry]" in found[0] and "malformed" in found[0]


def test_duplicate_key_is_reported_with_both_lines(tmp_path, taxonomy):
    found = messages(tmp_path, taxonomy, GOOD + "\n" + GOOD)
    assert found == [f"{tmp_path / 'refs.bib'}:10: [han2015learning] duplicate citation key (first defined at line 1)"]


@pytest.mark.parametrize(
    "change",
    [
        ("Learning both Weights", "Learning Both {W}eights"),  # same title, other casing and braces
        ("url       = {https://example.org/han},", "url = {https://example.org/han},\n  doi = {10.1/x},"),
    ],
)
def test_duplicate_paper_under_two_keys_is_reported(tmp_path, taxonomy, change):
    first = GOOD.replace("url       = {https://example.org/han},", "doi = {10.1/x},\n  url = {https://example.org/han},")
    second = GOOD.replace("han2015learning", "han2015learningb").replace(*change)
    found = messages(tmp_path, taxonomy, first + "\n" + second)
    assert any("[han2015learningb]" in m and "same paper as 'han2015learning'" in m for m in found), found
    assert all(":10:" in m or ":11:" in m for m in found), found


def test_unknown_taxonomy_id_is_reported(tmp_path, taxonomy):
    found = messages(tmp_path, taxonomy, GOOD.replace("pruning.unstructured", "pruning.unstructured, pruning.magic"))
    assert found == [f"{tmp_path / 'refs.bib'}:1: [han2015learning] unknown taxonomy id 'pruning.magic' in keywords (see taxonomy.yaml)"]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("  booktitle = {Advances in Neural Information Processing Systems (NIPS)},\n", "", "missing field 'booktitle'"),
        ("  keywords  = {pruning.unstructured},\n", "", "missing field 'keywords'"),
        ("han2015learning,", "han2015pruning,", "does not follow the rule: expected 'han2015learning'"),
        ("{2015}", "{2018}", "NeurIPS from 2018"),
        ("Pool, Jeff", "P{\\'o}\u00f3l, Jeff", "non-ASCII"),
        ("  url ", "  volume = {28},\n  number = {1},\n  url ", "both 'volume' and 'number'"),
    ],
)
def test_rule_violations_are_reported(tmp_path, taxonomy, old, new, expected):
    found = messages(tmp_path, taxonomy, GOOD.replace(old, new, 1))
    assert any(expected in m for m in found), found
    assert all("refs.bib:" in m for m in found)


def test_require_valid_raises_with_every_problem(tmp_path, taxonomy):
    path = write(tmp_path, GOOD.replace("pruning.unstructured", "nonsense") + "\n" + GOOD)
    with pytest.raises(BibliographyCheckError) as error:
        require_valid(path, taxonomy)
    assert len(error.value.problems) >= 1
    assert "duplicate citation key" in str(error.value)

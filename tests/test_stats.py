"""Literature statistics: venue names, family counts and code share on a small bibliography."""

from __future__ import annotations

import pytest

from compression_survey.stats import (
    bibliography_frame,
    code_share,
    code_share_per_family,
    family_cooccurrence,
    family_pairs,
    family_year_counts,
    latest_run_start,
    papers_per_family,
    papers_per_year,
    venue_family_table,
    venue_of,
)

BIB = """
@inproceedings{a2019one, author = {A, B}, title = {One}, booktitle = {IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)},
  year = {2019}, url = {u}, keywords = {pruning.structured, quantization.low-bit}, code = {https://github.com/x/y}}
@misc{c2017two, author = {C, D}, title = {Two}, year = {2017}, eprint = {1701.00001}, archiveprefix = {arXiv}, url = {u},
  keywords = {distillation.logit}}
@misc{tool2018three, key = {Tool}, title = {Three}, year = {2018}, url = {u}, keywords = {tool}}
"""


def test_venue_names():
    assert venue_of("inproceedings", {"booktitle": "European Conference on Computer Vision (ECCV)"}) == "ECCV"
    assert venue_of("inproceedings", {"booktitle": "Workshop Track of the International Conference on Learning Representations (ICLR)"}) == "ICLR Workshop"
    assert venue_of("misc", {"archiveprefix": "arXiv"}) == "arXiv"
    assert venue_of("article", {"journal": "Pattern Recognition"}) == "Pattern Recognition"
    assert venue_of("misc", {}) == "other"


def test_counts_on_a_small_bibliography(tmp_path, taxonomy):
    path = tmp_path / "refs.bib"
    path.write_text(BIB)
    frame = bibliography_frame(path, taxonomy)
    per_family = papers_per_family(frame, taxonomy)
    assert per_family["pruning"] == 1 and per_family["quantization"] == 1 and per_family["distillation"] == 1
    assert per_family["tool"] == 1 and per_family["nas"] == 0
    assert list(frame["venue"]) == ["CVPR", "arXiv", "other"]
    per_year = papers_per_year(frame)
    assert list(per_year.index) == [2017, 2018, 2019]
    assert per_year.loc[2019, "pruning"] == 1
    assert code_share(frame) == 50.0  # one of the two method papers links code; the tool is not a method


@pytest.fixture
def small_frame(tmp_path, taxonomy):
    path = tmp_path / "refs.bib"
    path.write_text(BIB)
    return bibliography_frame(path, taxonomy)


def test_family_year_counts_count_every_family(small_frame, taxonomy):
    table = family_year_counts(small_frame, taxonomy)
    assert list(table.index) == [2017, 2018, 2019]
    assert list(table.columns) == [f.id for f in taxonomy.families]
    assert table.loc[2019, "pruning"] == 1 and table.loc[2019, "quantization"] == 1
    assert table.loc[2017, "distillation"] == 1 and table.loc[2018, "tool"] == 1
    assert int(table.to_numpy().sum()) == 4  # three entries, one of them in two families
    recent = family_year_counts(small_frame, taxonomy, since=2018)
    assert list(recent.index) == [2018, 2019] and int(recent.to_numpy().sum()) == 3
    with pytest.raises(ValueError):
        family_year_counts(small_frame, taxonomy, since=2020)


def test_latest_run_start():
    assert latest_run_start([1989, 1993, 2014, 2015, 2016, 2021, 2017, 2018, 2019, 2020]) == 2014
    assert latest_run_start([2000, 2002]) == 2002
    assert latest_run_start([2005]) == 2005
    with pytest.raises(ValueError):
        latest_run_start([])


def test_cooccurrence_table_and_pairs(small_frame, taxonomy):
    table = family_cooccurrence(small_frame, taxonomy)
    assert (table.to_numpy() == table.to_numpy().T).all()
    assert table.loc["pruning", "quantization"] == 1 and table.loc["pruning", "distillation"] == 0
    assert table.loc["pruning", "pruning"] == papers_per_family(small_frame, taxonomy)["pruning"]
    pairs = family_pairs(small_frame, taxonomy)
    assert pairs.to_dict() == {("pruning", "quantization"): 1}


def test_pairs_are_sorted_and_count_every_pair_of_a_three_family_entry(tmp_path, taxonomy):
    path = tmp_path / "refs.bib"
    path.write_text(BIB + """
@misc{d2020four, author = {D, E}, title = {Four}, year = {2020}, url = {u}, keywords = {quantization.low-bit, nas, pruning.structured}}
""")
    pairs = family_pairs(bibliography_frame(path, taxonomy), taxonomy)
    assert list(pairs.items()) == [(("pruning", "quantization"), 2), (("pruning", "nas"), 1), (("quantization", "nas"), 1)]


def test_code_share_per_family(small_frame, taxonomy):
    table = code_share_per_family(small_frame, taxonomy)
    assert list(table.index) == [f.id for f in taxonomy.families]
    assert table.loc["pruning"].tolist() == [1, 1, 100.0]
    assert table.loc["distillation"].tolist() == [1, 0, 0.0]
    assert table.loc["nas"].tolist() == [0, 0, 0.0]


def test_venue_family_table(small_frame, taxonomy):
    table = venue_family_table(small_frame, taxonomy, top=2)
    assert list(table.index) == ["CVPR", "arXiv"]  # one entry each, ties by name; "other" left out
    assert list(table.columns) == ["pruning", "quantization", "distillation"]
    assert table.loc["CVPR"].tolist() == [1, 1, 0] and table.loc["arXiv"].tolist() == [0, 0, 1]
    with pytest.raises(ValueError):
        venue_family_table(small_frame, taxonomy, top=0)

"""Literature statistics: venue names, family counts and code share on a small bibliography."""

from __future__ import annotations

from compression_survey.stats import bibliography_frame, code_share, papers_per_family, papers_per_year, venue_of

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

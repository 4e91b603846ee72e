"""taxonomy.yaml: the families the issue requires exist in both languages; malformed files are rejected."""

from __future__ import annotations

import pytest

from compression_survey.taxonomy import TaxonomyError, load_taxonomy

REQUIRED = [
    "pruning.unstructured", "pruning.structured", "pruning.data-driven", "pruning.automatic",
    "pruning.dynamic", "pruning.lottery-analysis", "quantization.binary", "quantization.low-bit",
    "quantization.mixed-precision", "quantization.data-free", "distillation.logit",
    "distillation.feature", "distillation.relation", "distillation.self", "distillation.data-free",
    "distillation.detection", "low-rank", "efficient-design", "nas", "survey", "tool", "adjacent",
]


def test_required_nodes_exist_with_both_languages(taxonomy):
    for node_id in REQUIRED:
        node = taxonomy.by_id[node_id]
        assert node.label("en") and node.label("zh_CN") != node.label("en")
        assert node.describe("zh_CN") != node.describe("en")


def test_family_of(taxonomy):
    assert taxonomy.family_of("pruning.dynamic").id == "pruning"
    assert taxonomy.family_of("nas").id == "nas"
    with pytest.raises(KeyError):
        taxonomy.family_of("pruning.magic")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- id: a\n  name: {en: A}\n  definition: {en: x, zh_CN: y}\n", "missing name in zh_CN"),
        ("- id: a\n  name: {en: A, zh_CN: 甲}\n  definition: {en: x, zh_CN: y}\n  children:\n"
         "    - id: b.c\n      name: {en: B, zh_CN: 乙}\n      definition: {en: x, zh_CN: y}\n", "must start with 'a.'"),
        ("- id: a\n  name: {en: A, zh_CN: 甲}\n  definition: {en: x, zh_CN: y}\n" * 2, "duplicate taxonomy id 'a'"),
    ],
)
def test_malformed_taxonomy_is_rejected(tmp_path, text, message):
    path = tmp_path / "taxonomy.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TaxonomyError, match=message) as error:
        load_taxonomy(path)
    assert str(path) in str(error.value)

"""The terminology file, the terminology check of the Chinese catalogs, and the glossary page."""

from __future__ import annotations

import html
import json
import re

import polib
import pytest

from compression_survey.terminology import TerminologyError, load_terminology, terminology_problems

PO_DIR_PARTS = ("docs", "locale", "zh_CN", "LC_MESSAGES")


@pytest.fixture(scope="module")
def terminology(root, taxonomy):
    return load_terminology(root / "terminology.yaml", taxonomy)


def test_terminology_has_at_least_60_unique_terms_with_both_definitions(terminology):
    assert len(terminology.terms) >= 60
    assert len({t.en.lower() for t in terminology.terms}) == len(terminology.terms)
    assert len({t.zh for t in terminology.terms}) == len(terminology.terms)
    for term in terminology.terms:
        assert term.definition["en"].strip() and term.definition["zh_CN"].strip(), term.en


def test_core_terms_have_their_standard_chinese(terminology):
    expected = {
        "pruning": "剪枝",
        "quantization": "量化",
        "knowledge distillation": "知识蒸馏",
        "low-rank": "低秩",
        "neural architecture search": "神经架构搜索",
        "lottery ticket hypothesis": "彩票假设",
        "zero-point": "零点",
        "bit-width": "位宽",
    }
    for en, zh in expected.items():
        assert terminology.by_en(en).zh == zh


def test_every_chinese_translation_uses_the_listed_terms(root, terminology):
    problems = terminology_problems(root.joinpath(*PO_DIR_PARTS), terminology)
    assert not problems, "translations not using the standard term:\n" + "\n".join(problems)


def test_check_reports_a_translation_without_the_term(tmp_path, terminology):
    po = polib.POFile()
    po.append(polib.POEntry(msgid="Magnitude pruning removes small weights; pruning is cheap.", msgstr="按幅值删减小权重，代价低。"))
    po.append(polib.POEntry(msgid="Teachers guide students.", msgstr="教师模型指导学生模型。"))
    po.append(polib.POEntry(msgid="See {cite}`li2017pruning` and `pruning.py`.", msgstr="见 {cite}`li2017pruning`。"))
    po.save(str(tmp_path / "page.po"))
    problems = terminology_problems(tmp_path, terminology)
    # only the first message is wrong (both its terms): the second uses the terms (plural matched),
    # the third mentions "pruning" only inside a role and inline code
    assert len(problems) == 2 and all("page.po" in p for p in problems)
    assert any("'pruning' needs '剪枝'" in p for p in problems)
    assert any("'magnitude pruning' needs '幅值剪枝'" in p for p in problems)


def test_check_catches_accuracy_rendered_as_precision_and_bit_inside_bit_width(tmp_path, terminology):
    po = polib.POFile()
    po.append(polib.POEntry(msgid="Top-1 accuracy falls by one point.", msgstr="Top-1 精度降低一个百分点。"))
    po.append(polib.POEntry(msgid="Top-1 accuracy falls by one point.", msgstr="Top-1 准确率降低一个百分点。"))
    po.append(polib.POEntry(msgid="The bit-width is 4.", msgstr="位宽为 4。"))
    po.append(polib.POEntry(msgid="Each weight takes 4 bits.", msgstr="每个权重占 4 位。"))
    po.append(polib.POEntry(msgid="The neural architecture uses a supernet.", msgstr="该网络结构使用超网络。"))
    po.save(str(tmp_path / "page.po"))
    problems = terminology_problems(tmp_path, terminology)
    # 精度 is numeric precision, not accuracy; "bit" inside "bit-width" is checked as bit-width (位宽) only;
    # 4 bits needs 比特; architecture needs 架构 (not 结构) and supernet 超网 (超网络 is hypernetwork, which contains it)
    assert sorted(p.split(": ")[1] for p in problems) == sorted(
        ["'accuracy' needs '准确率' in", "'bit' needs '比特' in", "'architecture' needs '架构' in"]
    ), problems
    assert all(":" in p and "page.po" in p for p in problems)


@pytest.mark.parametrize(
    "body, message",
    [
        ("  - en: pruning\n    zh: 剪枝\n    group: nowhere\n    definition: {en: a, zh_CN: b}\n", "unknown group"),
        ("  - en: pruning\n    zh: 剪枝\n    group: general\n    definition: {en: a}\n", "missing definition.zh_CN"),
        (
            "  - en: pruning\n    zh: 剪枝\n    group: general\n    definition: {en: a, zh_CN: b}\n"
            "  - en: Pruning\n    zh: 修剪\n    group: general\n    definition: {en: a, zh_CN: b}\n",
            "already listed at line 2",
        ),
    ],
)
def test_malformed_terminology_names_file_line_and_term(tmp_path, taxonomy, body, message):
    path = tmp_path / "terminology.yaml"
    path.write_text("terms:\n" + body, encoding="utf-8")
    with pytest.raises(TerminologyError) as error:
        load_terminology(path, taxonomy)
    assert str(path) in str(error.value) and message in str(error.value)
    assert re.search(r"terminology\.yaml:\d+: \[[Pp]runing\]", str(error.value))


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_glossary_page_lists_every_term_as_a_link_target(site, terminology, lang):
    page = (site / lang / "docs" / "glossary.html").read_text(encoding="utf-8")
    # undo Sphinx's smart quotes, so a definition compares with the page as written
    text = html.unescape(re.sub(r"<[^>]+>", "", page)).replace("\u2019", "'").replace("\u2026", "...")
    for term in terminology.terms:
        assert term.definition[lang] in text, term.en
    # targets carry the English term in both languages, so {term}`剪枝 <pruning>` resolves
    for anchor in ("term-pruning", "term-knowledge-distillation", "term-zero-point"):
        assert f'id="{anchor}"' in page
    if lang == "zh_CN":
        for term in terminology.terms:
            assert term.zh in text, term.zh


def test_chinese_search_dictionary_holds_the_terminology(site, terminology):
    raw = (site / "zh_CN" / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(raw[raw.index("(") + 1 : raw.rindex(")")])
    words = set(index["terms"]) | set(index["titleterms"])
    for word in ("彩票假设", "知识蒸馏", "幅值剪枝", "术语"):
        assert word in words, word


def test_a_term_used_in_another_sense_is_not_checked(tmp_path, taxonomy):
    """``en_exceptions``: "the MobileNet family" is 系列, not the survey's 大类; "family" elsewhere still is."""
    import polib

    from compression_survey.terminology import Term, Terminology, terminology_problems

    family = Term("family", "大类", "general", {"en": "x", "zh_CN": "x"}, en_exceptions=("MobileNet family",))
    terminology = Terminology(tmp_path / "terminology.yaml", [family])
    po = polib.POFile()
    po.append(polib.POEntry(msgid="Efficient blocks of the MobileNet family.", msgstr="MobileNet 系列的高效模块。"))
    po.append(polib.POEntry(msgid="Each family has a chapter.", msgstr="每个系列都有一章。"))
    po.save(str(tmp_path / "page.po"))
    problems = terminology_problems(tmp_path, terminology)
    assert len(problems) == 1 and "Each family" in problems[0]

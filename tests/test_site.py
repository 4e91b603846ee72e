"""The built site, both languages: every entry shown, glued numbers, language links, Chinese search, offline pages."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest

from compression_survey.bibliography import normalized_title, parse_bibliography
from compression_survey.catalogs import catalog_problems
from compression_survey.stats import bibliography_frame

PAGES = ["docs/index", "docs/taxonomy", "docs/bibliography", "notebooks/literature_statistics"]
LANGS = {"en": "en", "zh_CN": "zh-CN"}


def text_of(path: Path) -> str:
    html = path.read_text(encoding="utf-8")
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", html)).replace("\u2019", "'")


@pytest.mark.parametrize("lang", LANGS)
def test_every_page_is_built_with_its_language(site, lang):
    for page in PAGES:
        html = (site / lang / f"{page}.html").read_text(encoding="utf-8")
        assert f'<html lang="{LANGS[lang]}"' in html


@pytest.mark.parametrize("lang", LANGS)
def test_bibliography_page_lists_every_entry(site, root, lang):
    page = normalized_title(text_of(site / lang / "docs" / "bibliography.html"))
    data = parse_bibliography(root / "references.bib")
    missing = [k for k, e in data.entries.items() if normalized_title(e.fields["title"]) not in page]
    assert missing == []


@pytest.mark.parametrize("lang", LANGS)
def test_every_page_links_to_the_same_page_in_the_other_language(site, lang):
    other = "en" if lang == "zh_CN" else "zh_CN"
    for page in PAGES:
        html = (site / lang / f"{page}.html").read_text(encoding="utf-8")
        match = re.search(r'class="btn survey-language-switch" href="([^"]+)"', html)
        assert match, f"{lang}/{page}: no language switch"
        target = (site / lang / page).parent / match.group(1)
        assert target.resolve() == (site / other / f"{page}.html").resolve()
        assert target.exists()


def test_language_chooser_links_both_home_pages(site):
    html = (site / "index.html").read_text(encoding="utf-8")
    for lang in LANGS:
        assert f'href="{lang}/docs/index.html"' in html
        assert (site / lang / "docs" / "index.html").exists()


def test_glued_numbers_match_the_bibliography(site, root, taxonomy):
    frame = bibliography_frame(root / "references.bib", taxonomy)
    n_pruning = int(frame["families"].map(lambda f: "pruning" in f).sum())
    english = " ".join(text_of(site / "en" / "docs" / "taxonomy.html").split())
    chinese = " ".join(text_of(site / "zh_CN" / "docs" / "taxonomy.html").split())
    assert f"The bibliography holds {len(frame)} entries" in english
    assert f"Pruning has {n_pruning} entries" in english
    assert f"参考文献共收录 {len(frame)} 个条目" in chinese
    assert f"剪枝有 {n_pruning} 个条目" in chinese


@pytest.mark.parametrize("lang", LANGS)
def test_statistics_figure_is_on_the_overview_page(site, lang):
    html = (site / lang / "docs" / "taxonomy.html").read_text(encoding="utf-8")
    images = re.findall(r'<img[^>]+src="([^"]+\.png)"', html)
    assert images, "no figure pasted on the overview page"
    for src in images:
        assert (site / lang / "docs" / src).resolve().exists()


@pytest.mark.parametrize("lang", LANGS)
def test_taxonomy_overview_uses_the_build_language(site, taxonomy, lang):
    page = text_of(site / lang / "docs" / "taxonomy.html")
    for node in taxonomy.nodes():
        assert node.label(lang) in page
        assert node.describe(lang) in page


def search_index(site: Path, lang: str) -> dict:
    raw = (site / lang / "searchindex.js").read_text(encoding="utf-8")
    return json.loads(raw[raw.index("(") + 1 : raw.rindex(")")])


def test_chinese_search_indexes_chinese_terms(site):
    index = search_index(site, "zh_CN")
    docnames = index["docnames"]
    for term in ["剪枝", "量化", "知识蒸馏", "神经架构搜索"]:
        assert term in index["terms"] or term in index["titleterms"], term
    hits = set()
    for kind in ("terms", "titleterms"):
        found = index[kind].get("剪枝", [])
        hits.update(found if isinstance(found, list) else [found])
    assert {"docs/taxonomy", "docs/bibliography", "docs/index"} <= {docnames[i] for i in hits}


@pytest.mark.parametrize("lang", LANGS)
def test_pages_load_nothing_from_the_network(site, lang):
    offenders = []
    for html_file in (site / lang).rglob("*.html"):
        html = html_file.read_text(encoding="utf-8")
        for tag in re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", html):
            if re.search(r'(?:src|href)="(?:https?:)?//', tag):
                offenders.append(f"{html_file.name}: {tag}")
    assert offenders == []


def test_chinese_catalogs_are_complete(site):
    po_dir = Path(__file__).resolve().parents[1] / "docs" / "locale" / "zh_CN" / "LC_MESSAGES"
    assert catalog_problems(site.parent / "gettext", po_dir) == []


def test_catalog_check_reports_untranslated_and_fuzzy(tmp_path):
    import polib

    pot = polib.POFile()
    pot.append(polib.POEntry(msgid="Pruning", msgstr=""))
    pot.append(polib.POEntry(msgid="Quantization", msgstr=""))
    pot.append(polib.POEntry(msgid="Distillation", msgstr=""))
    (tmp_path / "pot" / "docs").mkdir(parents=True)
    pot.save(str(tmp_path / "pot" / "docs" / "page.pot"))
    po = polib.POFile()
    po.append(polib.POEntry(msgid="Pruning", msgstr="剪枝"))
    po.append(polib.POEntry(msgid="Quantization", msgstr="量化", flags=["fuzzy"]))
    po.append(polib.POEntry(msgid="Old", msgstr="旧"))
    (tmp_path / "po" / "docs").mkdir(parents=True)
    po.save(str(tmp_path / "po" / "docs" / "page.po"))
    problems = catalog_problems(tmp_path / "pot", tmp_path / "po")
    assert sorted(p.split(": ")[1] for p in problems) == ["fuzzy", "missing", "obsolete"]


def test_site_title_is_in_the_page_language(site):
    assert "<title>分类体系 &#8212; 模型压缩综述</title>" in (site / "zh_CN" / "docs" / "taxonomy.html").read_text(encoding="utf-8")
    assert "<title>Taxonomy &#8212; Model Compression Survey</title>" in (site / "en" / "docs" / "taxonomy.html").read_text(encoding="utf-8")


def test_published_tree_holds_no_build_leftovers(site):
    leftovers = [
        p.relative_to(site).as_posix()
        for p in site.rglob("*")
        if p.name in {".doctrees", "jupyter_execute", "environment.pickle", ".jupyter_cache"}
        or p.suffix in {".pickle", ".doctree", ".map"}
    ]
    assert leftovers == []
    assert sorted(p.name for p in site.iterdir()) == ["en", "index.html", "zh_CN"]


def test_each_language_root_leads_to_its_home_page(site):
    for lang in LANGS:
        html = (site / lang / "index.html").read_text(encoding="utf-8")
        assert 'url=docs/index.html"' in html and (site / lang / "docs" / "index.html").exists()


def test_a_second_build_of_the_same_source_is_byte_identical(site, tmp_path):
    """Two builds of the same commit give the same pages, notebooks and figures (English; the suite's time budget)."""
    from compression_survey.build import sphinx

    assert sphinx("html", tmp_path / "en", "-D", "language=en", "-d", str(tmp_path / "doctrees")) == 0
    first = {p.relative_to(site / "en"): p.read_bytes() for p in (site / "en").rglob("*") if p.is_file()}
    second = {p.relative_to(tmp_path / "en"): p.read_bytes() for p in (tmp_path / "en").rglob("*") if p.is_file()}
    assert sorted(first) == sorted(second)
    differing = sorted(str(path) for path in first if first[path] != second[path])
    assert differing == []

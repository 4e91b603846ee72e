"""Citing from the site (issue 9), in Chromium, both languages: the paper explorer and the BibTeX a reader copies."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import pytest
from pybtex.database import parse_string

from compression_survey import PROJECT_ROOT
from compression_survey.bibliography import keyword_ids, parse_bibliography
from compression_survey.bibtex_format import PROJECT_FIELDS
from compression_survey.taxonomy import load_taxonomy

LANGS = ["en", "zh_CN"]
DATA = parse_bibliography(PROJECT_ROOT / "references.bib")
TAXONOMY = load_taxonomy(PROJECT_ROOT / "taxonomy.yaml")


def explorer(open_page, served, lang, query="", **options):
    page = open_page(served.url("local", lang, f"docs/explorer.html{query}"), **options)
    page.wait_for_function("document.documentElement.dataset.explorerReady === '1'")
    return page


def shown_keys(page) -> list[str]:
    return page.evaluate("window.surveyExplorer.table.rows({search: 'applied', order: 'applied'}).data().toArray().map(r => r.key)")


def shown_count(page) -> int:
    return int(page.get_attribute("#explorer-count", "data-shown"))


def same_fields(copied: str, key: str) -> None:
    """``copied`` is one BibTeX entry equal, field for field, to ``key`` in references.bib without the project's fields."""
    parsed = parse_string(copied, "bibtex")
    assert list(parsed.entries) == [key]
    got, want = parsed.entries[key], DATA.entries[key]
    assert got.type == want.type
    assert {k.lower(): v for k, v in got.fields.items()} == {
        k.lower(): v for k, v in want.fields.items() if k.lower() not in PROJECT_FIELDS}
    assert {r: [str(p) for p in ps] for r, ps in got.persons.items()} == {
        r: [str(p) for p in ps] for r, ps in want.persons.items()}


@pytest.mark.parametrize("lang", LANGS)
def test_explorer_lists_every_entry_and_filters_by_family(served, open_page, lang):
    page = explorer(open_page, served, lang)
    assert shown_count(page) == len(DATA.entries)
    page.check("#explorer-families input[value='quantization']")
    expected = {k for k, e in DATA.entries.items()
                if any(i == "quantization" or i.startswith("quantization.") for i in keyword_ids(e))}
    assert set(shown_keys(page)) == expected
    assert "family=quantization" in page.url
    page.check("#explorer-families input[value='pruning.unstructured']")
    expected |= {k for k, e in DATA.entries.items() if "pruning.unstructured" in keyword_ids(e)}
    assert set(shown_keys(page)) == expected
    if lang == "zh_CN":
        labels = page.locator("#explorer-families").inner_text()
        assert "量化" in labels and "剪枝" in labels and "Quantization" not in labels
        assert "筛选" in page.locator("#explorer-reset").inner_text() or "重置" in page.locator("#explorer-reset").inner_text()


@pytest.mark.parametrize("lang", LANGS)
def test_text_year_venue_code_filters_and_sort(served, open_page, lang):
    page = explorer(open_page, served, lang)
    page.fill("#explorer-text", "lottery")
    keys = shown_keys(page)
    assert keys and all("lottery" in (DATA.entries[k].fields["title"] + k).lower() or
                        "lottery" in " ".join(str(p) for p in DATA.entries[k].persons.get("author", [])).lower()
                        for k in keys)
    page.fill("#explorer-text", "")
    page.fill("#explorer-from", "2019")
    page.fill("#explorer-to", "2020")
    page.press("#explorer-to", "Enter")
    page.locator("#explorer-from").dispatch_event("change")
    page.locator("#explorer-to").dispatch_event("change")
    years = {int(DATA.entries[k].fields["year"]) for k in shown_keys(page)}
    assert years and years <= {2019, 2020}
    page.select_option("#explorer-venue", "ICLR")
    assert all("ICLR" in DATA.entries[k].fields.get("booktitle", "") for k in shown_keys(page))
    page.check("#explorer-code")
    assert all(DATA.entries[k].fields.get("code") for k in shown_keys(page))
    page.click("#explorer-reset")
    assert shown_count(page) == len(DATA.entries)
    page.locator("#survey-explorer thead th").nth(2).click()  # year: from newest first to oldest first
    page.wait_for_url(re.compile(r".*sort=year%3Aasc"))
    years = [int(DATA.entries[k].fields["year"]) for k in shown_keys(page)]
    assert years == sorted(years)
    page.locator("#survey-explorer thead th").nth(1).click()  # authors
    page.wait_for_url(re.compile(r".*sort=authors"))
    assert page.evaluate("window.surveyExplorer.table.order()[0][0]") == 1


def test_url_restores_the_view_and_back_steps_through_changes(served, open_page):
    page = explorer(open_page, served, "en")
    page.check("#explorer-families input[value='pruning']")
    first = shown_keys(page)
    page.check("#explorer-code")
    second = shown_keys(page)
    assert len(second) < len(first)
    link = page.url
    page.go_back()
    page.wait_for_function(f"window.surveyExplorer.table.rows({{search: 'applied'}}).count() === {len(first)}")
    assert shown_keys(page) == first and not page.is_checked("#explorer-code")
    page.goto(link)
    page.wait_for_function("document.documentElement.dataset.explorerReady === '1'")
    assert shown_keys(page) == second and page.is_checked("#explorer-code")
    page.reload()
    page.wait_for_function("document.documentElement.dataset.explorerReady === '1'")
    assert shown_keys(page) == second


@pytest.mark.parametrize("lang", LANGS)
def test_copy_puts_the_exact_bibtex_on_the_clipboard(served, open_page, lang):
    page = explorer(open_page, served, lang, "?text=han2015learning", permissions=["clipboard-read", "clipboard-write"])
    assert shown_keys(page) == ["han2015learning"]
    page.locator("#survey-explorer details.survey-bibtex summary").first.click()
    button = page.locator(".survey-copy-bibtex").first
    assert button.inner_text() == ("复制" if lang == "zh_CN" else "Copy")
    button.click()
    copied_label = "已复制" if lang == "zh_CN" else "Copied"
    page.wait_for_function(f"document.querySelector('.survey-copy-bibtex').textContent === '{copied_label}'")
    copied = page.evaluate("navigator.clipboard.readText()")
    same_fields(copied, "han2015learning")


def test_reading_list_survives_reload_and_round_trips_through_export(served, open_page, tmp_path):
    page = explorer(open_page, served, "en", "?text=lottery")
    keys = shown_keys(page)[:2]
    page.locator(f"#paper-{keys[0]} input.mark-read").check()
    page.locator(f"#paper-{keys[1]} input.mark-toread").check()
    page.reload()
    page.wait_for_function("document.documentElement.dataset.explorerReady === '1'")
    assert page.locator(f"#paper-{keys[0]} input.mark-read").is_checked()
    page.goto(served.url("local", "en", "docs/explorer.html?status=read"))
    page.wait_for_function("document.documentElement.dataset.explorerReady === '1'")
    assert shown_keys(page) == [keys[0]]
    with page.expect_download() as download:
        page.click("#explorer-export-marked")
    path = tmp_path / "reading-list.bib"
    download.value.save_as(path)
    exported = parse_string(path.read_text(encoding="utf-8"), "bibtex")
    assert sorted(exported.entries) == sorted(keys)
    page.evaluate("localStorage.clear()")
    page.goto(served.url("local", "en", "docs/explorer.html"))
    page.wait_for_function("document.documentElement.dataset.explorerReady === '1'")
    page.set_input_files("#explorer-import", str(path))
    page.wait_for_function("document.getElementById('explorer-message').textContent.length > 0")
    page.select_option("#explorer-status", "read")
    assert shown_keys(page) == [keys[0]]
    page.select_option("#explorer-status", "toread")
    assert shown_keys(page) == [keys[1]]


@pytest.mark.parametrize("lang", LANGS)
def test_cite_link_lands_on_its_entry_and_references_bib_downloads(served, open_page, lang, root):
    page = open_page(served.url("local", lang, "docs/chapters/pruning.html"))
    link = page.locator("a[href*='bibliography.html#han2015learning']").first
    link.click()
    page.wait_for_load_state("load")
    assert page.url.endswith("bibliography.html#han2015learning")
    target = page.evaluate("document.getElementById('han2015learning').getBoundingClientRect().top")
    assert 0 <= target < 250
    for source in ("docs/index.html", "docs/bibliography.html", "docs/explorer.html"):
        page.goto(served.url("local", lang, source))
        href = page.get_attribute("a[href$='references.bib']", "href")
        assert href, f"{source}: no link to references.bib"
        body = page.request.get(urljoin(page.url, href)).body()
        assert body == (root / "references.bib").read_bytes()

"""What a reader sees, in Chromium, in both languages, at phone and desktop width (issue 8).

Every test runs through the ``open_page`` fixture, which fails the test on
any request leaving 127.0.0.1, any uncaught page error, console error or
failed request.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urljoin

import pytest
from harness import DESKTOP, PHONE, WIDTHS, screenshot

from compression_survey.reader_notebook import raw_roles

LANGS = ["en", "zh_CN"]
KEY_PAGES = ["docs/index.html", "docs/chapters/pruning.html", "docs/chapters/quantization.html",
             "notebooks/magnitude_pruning.html", "docs/bibliography.html"]

#: query → pages (any of) that must be the first result: the family's chapter, or the term's glossary entry.
SEARCHES = {
    "en": {"pruning": {"docs/chapters/pruning", "notebooks/magnitude_pruning"}, "lottery": {"docs/chapters/pruning", "notebooks/lottery_ticket", "docs/chapters/evaluation"}},
    "zh_CN": {
        "剪枝": {"docs/chapters/pruning", "notebooks/magnitude_pruning"},
        "知识蒸馏": {"docs/chapters/distillation", "notebooks/distillation"},
        "量化": {"docs/chapters/quantization", "notebooks/quantization"},
        "彩票假设": {"docs/chapters/pruning", "notebooks/lottery_ticket", "docs/chapters/evaluation"},
    },
}


def search_results(page) -> list[str]:
    page.wait_for_selector("#search-results .search-summary", timeout=20000)
    page.wait_for_function("document.querySelector('#search-results .search-summary').textContent.trim().length > 0")
    return page.eval_on_selector_all("#search-results li a:first-of-type", "els => els.map(e => e.getAttribute('href'))")


@pytest.mark.parametrize("lang,query", [(lang, q) for lang, qs in SEARCHES.items() for q in qs])
def test_search_finds_the_relevant_chapter_first(served, open_page, lang, query):
    page = open_page(served.url("local", lang, f"search.html?q={query}"))
    hits = search_results(page)
    assert hits, f"no result for {query!r}"
    first = re.sub(r"\.html.*$", "", hits[0])
    assert first in SEARCHES[lang][query] | {"docs/glossary"}, f"{query!r}: first result {hits[0]!r}, then {hits[1:4]}"
    chapters = [re.sub(r"\.html.*$", "", h) for h in hits[:5]]
    assert SEARCHES[lang][query] & set(chapters), f"{query!r}: the chapter is not among the first five results: {hits[:5]}"


def shown(page, sidebar: str, width: int) -> bool:
    """Whether the sidebar ``primary`` or ``secondary`` is on screen: in the page, or opened as a dialog (phone)."""
    return page.evaluate(
        """([name, width]) => {
          const dialog = document.getElementById(`pst-${name}-sidebar-modal`);
          if (dialog && dialog.open && dialog.getBoundingClientRect().width > 100) return true;
          const bar = document.getElementById(`pst-${name}-sidebar`);
          if (!bar) return false;
          const r = bar.getBoundingClientRect(), s = getComputedStyle(bar);
          return r.width > 100 && r.left >= -1 && r.right <= width + 1 && s.visibility !== 'hidden' && s.display !== 'none';
        }""",
        [sidebar, width],
    )


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_sidebar_and_contents_toggles_work(served, open_page, lang, width):
    page = open_page(served.url("local", lang, "docs/chapters/pruning.html"), width=width)
    assert page.locator("button.primary-toggle").count() == 1, "one ☰ button, the one a reader sees"
    toggle = page.locator("button.primary-toggle")
    assert toggle.is_visible()
    before = shown(page, "primary", width)
    assert before == (width == DESKTOP), "the navigation shows on a laptop and hides on a phone until asked for"
    toggle.click()
    page.wait_for_timeout(500)
    assert shown(page, "primary", width) != before, "the ☰ button does not change the navigation sidebar"
    if width == PHONE:
        link = page.locator("#pst-primary-sidebar-modal a[href*='quantization']").first
        assert link.is_visible(), "the table of contents is not reachable on a phone"
        screenshot(page, f"{lang}-navigation-open-{width}")
        page.keyboard.press("Escape")
        page.wait_for_timeout(300)
    assert page.locator("#pst-header").is_hidden(), "an extra top bar is shown"
    contents = page.locator("button.secondary-toggle")
    if contents.count() and contents.first.is_visible():
        was = shown(page, "secondary", width)
        contents.first.click()
        page.wait_for_timeout(500)
        assert shown(page, "secondary", width) != was, "the contents button does not change the contents sidebar"
        if width == PHONE:
            assert page.locator("#pst-secondary-sidebar-modal a[href='#sec-pruning-problem']").first.is_visible()
            screenshot(page, f"{lang}-contents-open-{width}")
    else:
        assert width == DESKTOP and shown(page, "secondary", width), "no way to reach the page's contents"


@pytest.mark.parametrize("layout", ["local", "rtd"])
@pytest.mark.parametrize("lang", LANGS)
def test_language_switch_lands_on_the_same_section(served, open_page, layout, lang):
    other = "zh_CN" if lang == "en" else "en"
    page = open_page(served.url(layout, lang, "docs/chapters/quantization.html#sec-quantization-formulation"))
    switch = page.locator("a.survey-language-switch").first
    assert switch.is_visible()
    box = switch.bounding_box()
    header = page.locator(".bd-header-article").first.bounding_box()
    assert box["y"] >= header["y"] - 1 and box["y"] + box["height"] <= header["y"] + header["height"] + 1, \
        "the language switch is not fully inside the article header"
    switch.click()
    page.wait_for_load_state("load")
    assert page.url == served.url(layout, other, "docs/chapters/quantization.html#sec-quantization-formulation")
    assert page.evaluate("document.documentElement.lang") == other.replace("_", "-")
    target_y = page.evaluate("document.getElementById('sec-quantization-formulation').getBoundingClientRect().top")
    assert 0 <= target_y < 200, "the other language did not open at the section"


def test_read_the_docs_layout_serves_each_language_root(served, open_page):
    for lang in LANGS:
        page = open_page(served.url("rtd", lang, ""))
        page.wait_for_url(re.compile(r".*/docs/index\.html$"))
        assert page.evaluate("document.documentElement.lang") == lang.replace("_", "-")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("page_name", KEY_PAGES)
@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_key_pages_render_without_errors_or_overflow(served, open_page, lang, page_name, width):
    page = open_page(served.url("local", lang, page_name), width=width)
    page.wait_for_load_state("networkidle")
    screenshot(page, f"{lang}-{page_name.replace('/', '_').removesuffix('.html')}-{width}")
    assert page.locator(".system-message, .problematic").count() == 0
    broken_math = page.evaluate(
        "[...document.querySelectorAll('img.math')].filter(i => !i.complete || i.naturalWidth === 0).length")
    assert broken_math == 0, "a formula image did not load"
    broken_images = page.evaluate(
        "[...document.querySelectorAll('.bd-article img')].filter(i => i.complete && i.naturalWidth === 0).map(i => i.src)")
    assert broken_images == []
    overflowing = page.evaluate(
        """(width) => {
          const out = [];
          for (const el of document.querySelectorAll('.bd-main *')) {
            if (!el.checkVisibility({visibilityProperty: true, opacityProperty: true})) continue;
            const r = el.getBoundingClientRect();
            if (r.width === 0 || r.right <= width + 1) continue;
            let scroller = el.parentElement, ok = false;
            while (scroller && scroller !== document.body) {
              const s = getComputedStyle(scroller);
              if (/(auto|scroll)/.test(s.overflowX) && scroller.scrollWidth > scroller.clientWidth - 1
                  && scroller.getBoundingClientRect().right <= width + 1) { ok = true; break; }
              if (/(hidden|clip)/.test(s.overflowX) && scroller.getBoundingClientRect().right <= width + 1) { ok = true; break; }
              scroller = scroller.parentElement;
            }
            if (!ok) out.push(el.tagName + '.' + el.className + ' → ' + Math.round(r.right));
          }
          return out.slice(0, 10);
        }""",
        width,
    )
    assert overflowing == [], f"elements wider than the {width}px viewport outside a scrollable box"
    if width == PHONE:
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1


@pytest.mark.parametrize("lang", LANGS)
def test_formulas_in_dark_mode_and_display_math_centred(served, open_page, lang):
    page = open_page(served.url("local", lang, "docs/chapters/quantization.html"), dark=True)
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    inline = page.locator("p img.math").first
    assert inline.count() == 1
    assert "invert" in inline.evaluate("el => getComputedStyle(el).filter"), "inline formulas stay black on dark"
    display = page.locator("div.math").first
    background = display.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background in ("rgba(0, 0, 0, 0)", "transparent"), f"display math sits on a box: {background}"
    assert "invert" in display.locator("img").first.evaluate("el => getComputedStyle(el).filter"), \
        "display formulas stay black on dark"
    image = display.locator("img").first.bounding_box()
    box = display.bounding_box()
    centre_offset = abs((image["x"] + image["width"] / 2) - (box["x"] + box["width"] / 2))
    assert centre_offset < 4, "display equation is not centred"
    screenshot(page, f"{lang}-quantization-dark-{DESKTOP}")


@pytest.mark.parametrize("lang", LANGS)
def test_favicon_and_no_failed_requests(served, open_page, lang):
    page = open_page(served.url("local", lang, "docs/index.html"))
    href = page.get_attribute("link[rel='icon']", "href")
    assert href, "no favicon"
    response = page.request.get(urljoin(page.url, href))
    assert response.ok


def test_chinese_interface_is_chinese(served, open_page):
    page = open_page(served.url("local", "zh_CN", "docs/chapters/pruning.html"))
    ui = page.evaluate(
        """() => [...document.querySelectorAll('header, .bd-header-article, .bd-footer, .bd-footer-content, .search-button-field, button, [aria-label], [title], [placeholder]')]
               .map(e => [e.getAttribute('aria-label'), e.getAttribute('title'), e.getAttribute('placeholder'), e.children.length ? '' : e.textContent].join(' '))
               .join(' | ')"""
    )
    footer = page.locator("footer").first.inner_text() if page.locator("footer").count() else ""
    for english in ["Search...", "System Settings", "Color mode", "Print to PDF", "Download source file",
                    "Toggle navigation", "By The Model Compression Survey"]:
        assert english not in ui, f"English interface text {english!r} on the Chinese site"
    assert "列印" not in ui, "Taiwanese usage (列印) on the Simplified Chinese site"
    assert "The Model Compression Survey authors" not in footer
    page.goto(served.url("local", "zh_CN", "docs/chapters/distillation.html"))
    citations = page.locator("a.reference.internal[href*='bibliography.html#']").all_inner_texts()
    assert citations
    assert not [c for c in citations if "et al." in c or " and " in c], "English citation connectives on the Chinese site"
    assert any("等" in c for c in citations)


def test_chinese_bibliography_entries_use_chinese_words(served, open_page):
    page = open_page(served.url("local", "zh_CN", "docs/bibliography.html"))
    text = page.locator("article").inner_text()
    assert "载于" in text and "网址" in text
    assert not re.search(r"\bIn (IEEE|International|Advances|Proceedings)", text)
    assert "URL:" not in text and not re.search(r"\bvolume \d", text)


@pytest.mark.parametrize("lang", LANGS)
def test_downloaded_notebook_is_in_the_page_language_and_plain_markdown(served, open_page, lang):
    page = open_page(served.url("local", lang, "notebooks/magnitude_pruning.html"))
    href = page.get_attribute("a.download[href$='.ipynb'], a[href$='magnitude_pruning.ipynb']", "href")
    assert href, "no notebook download link"
    notebook = json.loads(page.request.get(urljoin(page.url, href)).text())
    assert raw_roles(notebook) == []
    text = " ".join(c["source"] if isinstance(c["source"], str) else "".join(c["source"])
                    for c in notebook["cells"] if c["cell_type"] == "markdown")
    chinese = len(re.findall(r"[\u4e00-\u9fff]", text))
    if lang == "zh_CN":
        assert chinese > 200, "the Chinese page offers an English notebook"
        assert "(Han 等, 2015)" in text
    else:
        assert chinese < 20
        assert "(Han et al., 2015)" in text
    assert [c["id"] for c in notebook["cells"]] == [f"cell-{i}" for i in range(len(notebook["cells"]))]


def test_chinese_general_index_lists_chinese_terms(served, open_page):
    page = open_page(served.url("local", "zh_CN", "genindex.html"))
    text = page.locator("article").inner_text()
    assert "剪枝" in text and "知识蒸馏" in text

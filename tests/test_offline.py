"""Offline formats (issue 10): the PDF and EPUB of each language, and the zip of the HTML site.

The PDF and EPUB tests build both formats, strictly, into a fresh folder
(slow: LaTeX runs twice per language).  The zip tests check its layout;
the browser test of the unpacked zip (file://: formula, figure, search,
language switch) lives with the other browser tests.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import polib
import pytest

from compression_survey import offline
from compression_survey.latex import MATH_PREAMBLE, OUTPUT_STEM, latex_elements
from compression_survey.offline import log_problems, write_zip

LANGS = ["en", "zh_CN"]
TOOLS = ["xelatex", "latexmk", "epubcheck", "pdftotext", "pdffonts", "pdfimages", "pdfinfo"]
needs_tools = pytest.mark.skipif(
    any(shutil.which(tool) is None for tool in TOOLS), reason=f"needs {', '.join(TOOLS)}"
)


# -- helpers ------------------------------------------------------------------

def toctree_docnames(root: Path) -> list[str]:
    """Docnames of every page in the order of the home page's toctrees (the PDF's chapters)."""
    text = (root / "docs" / "index.md").read_text(encoding="utf-8")
    names = []
    for block in re.findall(r"```\{toctree\}\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = line.strip()
            if line and not line.startswith(":"):
                names.append(line.lstrip("/") if line.startswith("/") else f"docs/{line}")
    return names


def chapter_title(root: Path, docname: str, lang: str) -> str:
    """The first heading of ``docname`` in ``lang`` (Chinese from its catalog)."""
    text = (root / f"{docname}.md").read_text(encoding="utf-8")
    title = re.search(r"^# (.+)$", text, re.M).group(1).strip()
    if lang == "en":
        return title
    catalog = polib.pofile(str(root / "docs" / "locale" / "zh_CN" / "LC_MESSAGES" / f"{docname}.po"))
    return catalog.find(title).msgstr


def squeeze(text: str) -> str:
    """Text without whitespace or hyphens (LaTeX breaks lines), to compare with pdftotext output."""
    return re.sub(r"[\s\-\u2010\u00ad]+", "", text)


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def image_count(path: Path) -> int:
    """Images drawn in the PDF (``pdfimages -list`` rows of type image; soft masks not counted)."""
    rows = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    return sum(1 for line in rows.splitlines()[2:] if line.split()[2:3] == ["image"])


def site_figures(html_root: Path) -> int:
    """Figures shown on the site of one language: distinct images of ``_images/`` in its pages."""
    images = set()
    for page in html_root.rglob("*.html"):
        images |= set(re.findall(r'<img[^>]+src="[^"]*_images/([^"]+)"', page.read_text(encoding="utf-8")))
    return len(images)


# -- fast checks ----------------------------------------------------------------

def test_log_check_finds_errors_missing_glyphs_and_undefined_references():
    log = "\n".join([
        "This is XeTeX, Version 3.141592653",
        "! Undefined control sequence.",
        "Missing character: There is no 剪 (U+526A) in font FreeSerif:mapping=tex-text;!",
        "LaTeX Warning: Reference `docs/index:sec-x' on page 3 undefined on input line 10.",
        "LaTeX Warning: Hyper reference `docs/taxonomy:foo' on page 4 undefined on input line 99.",
        "LaTeX Warning: There were undefined references.",
        "LaTeX Font Warning: Font shape `TU/NotoSerifCJKSC(0)/m/it' undefined",
        "xdvipdfmx:fatal: Could not find file \"../abc.png\"",
        "xdvipdfmx:warning: Object @cite.docs/bibliography:id3 used, but not defined. Replaced by null.",
    ])
    kinds = [problem.split(":")[0] for problem in log_problems(log)]
    assert kinds.count("LaTeX error") == 1
    assert kinds.count("missing glyph") == 1
    assert kinds.count("undefined reference") == 3
    assert kinds.count("xdvipdfmx") == 2
    assert kinds.count("font") == 1
    clean = "Package hyperref Warning: Token not allowed in a PDF string\nOverfull \\hbox (1.0pt too wide)\n"
    assert log_problems(clean) == []


def test_one_math_preamble_serves_html_and_pdf():
    for lang in LANGS:
        assert MATH_PREAMBLE in latex_elements(lang)["preamble"]
    assert r"\usepackage{bm}" in MATH_PREAMBLE and r"\usepackage{amssymb}" in MATH_PREAMBLE


def test_both_pdfs_use_xecjk_with_noto_cjk_and_chinese_names_in_the_chinese_pdf():
    for lang in LANGS:
        elements = latex_elements(lang)
        assert "xeCJK" in elements["fontenc"]
        assert "Noto Serif CJK SC" in elements["fontpkg"]
    assert "第" in latex_elements("zh_CN")["preamble"] and "参考文献" in latex_elements("zh_CN")["preamble"]
    assert "参考文献" not in latex_elements("en")["preamble"]


def fake_site(root: Path) -> Path:
    html = root / "html"
    for lang in LANGS:
        for name in ["docs/index.html", "_static/survey.css", "searchindex.js", ".buildinfo",
                     f"downloads/{OUTPUT_STEM[lang]}.pdf"]:
            path = html / lang / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("x", encoding="utf-8")
        (html / lang / ".doctrees").mkdir()
        (html / lang / ".doctrees" / "env.pickle").write_text("x", encoding="utf-8")
    (html / "index.html").write_text("chooser", encoding="utf-8")
    return html


def test_zip_holds_the_chooser_and_both_languages_under_one_folder(tmp_path):
    path = write_zip(fake_site(tmp_path), tmp_path / "site.zip")
    names = set(zipfile.ZipFile(path).namelist())
    root = offline.ZIP_ROOT
    assert f"{root}/index.html" in names
    for lang in LANGS:
        assert {f"{root}/{lang}/docs/index.html", f"{root}/{lang}/searchindex.js",
                f"{root}/{lang}/downloads/{OUTPUT_STEM[lang]}.pdf"} <= names
    assert all(name.startswith(f"{root}/") for name in names)
    assert not [name for name in names if ".doctrees" in name or name.endswith(".buildinfo")]


# -- the zip of the real site -------------------------------------------------------

def test_zip_of_the_site_is_self_contained(site, tmp_path):
    """Every local link and asset of the home pages resolves inside the unpacked zip; nothing from the network."""
    path = write_zip(site, tmp_path / offline.ZIP_NAME)
    unpacked = tmp_path / "unpacked"
    zipfile.ZipFile(path).extractall(unpacked)
    top = unpacked / offline.ZIP_ROOT
    chooser = (top / "index.html").read_text(encoding="utf-8")
    for lang in LANGS:
        assert f'href="{lang}/docs/index.html"' in chooser
        assert (top / lang / "searchindex.js").exists()
        for page in ["docs/index.html", "docs/taxonomy.html", "notebooks/literature_statistics.html"]:
            html_path = top / lang / page
            html = html_path.read_text(encoding="utf-8")
            assert not re.search(r'<(?:script|link)[^>]+(?:src|href)="https?://', html), f"{lang}/{page}"
            for target in re.findall(r'(?:src|href)="([^"#?]+)', html):
                if re.match(r"[a-z]+:", target) or target.startswith("/"):
                    continue
                assert (html_path.parent / target).exists(), f"{lang}/{page}: {target} is not in the zip"


# -- the PDF and EPUB ----------------------------------------------------------------

@pytest.fixture(scope="session")
def offline_build(tmp_path_factory) -> Path:
    """Both languages' PDF and EPUB, built strictly into a fresh folder; returns the build root."""
    build_root = tmp_path_factory.mktemp("offline")
    assert offline.build_pdf(build_root) == 0, "the PDF build failed; see the output above"
    assert offline.build_epub(build_root) == 0, "the EPUB build failed; see the output above"
    return build_root


def pdf_of(build_root: Path, lang: str) -> Path:
    return build_root / "pdf" / lang / f"{OUTPUT_STEM[lang]}.pdf"


@needs_tools
@pytest.mark.parametrize("lang", LANGS)
def test_pdf_has_every_chapter_title_of_its_language(offline_build, root, lang):
    text = squeeze(pdf_text(pdf_of(offline_build, lang)))
    missing = [d for d in toctree_docnames(root) if squeeze(chapter_title(root, d, lang)) not in text]
    assert missing == []


@needs_tools
def test_chinese_pdf_has_chinese_chapter_and_bibliography_headings(offline_build):
    text = pdf_text(pdf_of(offline_build, "zh_CN"))
    assert re.search(r"第\s*1\s*章", text)
    assert "目录" in text and "参考文献" in text
    assert not re.search(r"\b(?:CHAPTER|Chapter)\s+\d", text)


@needs_tools
@pytest.mark.parametrize("lang", LANGS)
def test_pdf_bibliography_is_grouped_by_family(offline_build, root, taxonomy, lang):
    """The family headings follow each other in the bibliography chapter, each with its entries.

    Each family's heading and definition appear twice, in the taxonomy and
    in the bibliography chapter (which comes later): the last occurrence of
    the first family starts the bibliography.
    """
    text = squeeze(pdf_text(pdf_of(offline_build, lang)))
    heads = [squeeze(family.label(lang) + family.describe(lang)) for family in taxonomy.families]
    start = text.rfind(heads[0])
    positions = [text.find(head, start) for head in heads]
    assert start > 0 and -1 not in positions and positions == sorted(positions)
    # entries ([key] Authors. Title ...) sit under each family, not in one list after the last one
    for begin, end in zip(positions, positions[1:]):
        assert text.count("[", begin, end) >= 1


@needs_tools
def test_chinese_pdf_embeds_noto_cjk(offline_build):
    fonts = subprocess.run(["pdffonts", str(pdf_of(offline_build, "zh_CN"))],
                           capture_output=True, text=True, check=True).stdout
    noto = [line for line in fonts.splitlines() if "NotoSerifCJK" in line or "NotoSansCJK" in line]
    assert noto, fonts
    # columns: name type encoding emb sub uni object ID
    assert all(" yes " in line for line in noto), fonts


@needs_tools
@pytest.mark.parametrize("lang", LANGS)
def test_pdf_has_at_least_the_figures_of_the_site(offline_build, site, lang):
    assert image_count(pdf_of(offline_build, lang)) >= site_figures(site / lang) > 0


@needs_tools
@pytest.mark.parametrize("lang", LANGS)
def test_latex_logs_are_clean(offline_build, lang):
    latex_dir = offline_build / "latex" / lang
    assert (latex_dir / f"{OUTPUT_STEM[lang]}.log").exists()
    assert offline.latex_problems(latex_dir, OUTPUT_STEM[lang]) == []


@needs_tools
@pytest.mark.parametrize("lang", LANGS)
def test_epubcheck_accepts_the_epub(offline_build, lang):
    epub = offline_build / "epub" / lang / f"{OUTPUT_STEM[lang]}.epub"
    code, report = offline.epubcheck_errors(epub)
    assert code == 0, report
    assert not re.search(r"^(?:ERROR|FATAL)", report, re.M), report


@needs_tools
@pytest.mark.parametrize("lang", LANGS)
def test_epub_explorer_is_the_plain_table_of_every_entry(offline_build, root, lang):
    """An e-book runs none of the site's scripts: its explorer is the table itself, not a ``<noscript>``."""
    import zipfile

    from compression_survey.bibliography import parse_bibliography

    epub = offline_build / "epub" / lang / f"{OUTPUT_STEM[lang]}.epub"
    with zipfile.ZipFile(epub) as book:
        page = book.read("docs/explorer.xhtml").decode("utf-8")
    assert "<noscript" not in page and "survey-explorer-data" not in page
    for key in parse_bibliography(root / "references.bib").entries:
        assert f'id="paper-{key}"' in page, key

"""Offline formats: a PDF and an EPUB per language, and a zip of the HTML site.

``python -m compression_survey.build pdf`` writes ``_build/pdf/<lang>/<stem>.pdf``
(Sphinx's LaTeX builder, strict, then latexmk with xelatex) and fails when
a LaTeX log holds an error, a missing character, an undefined reference or
a file xdvipdfmx could not find.  ``epub`` writes ``_build/epub/<lang>/<stem>.epub``
(strict) and fails unless epubcheck accepts it.  ``offline-zip`` builds the
HTML of both languages (with the PDF and EPUB beside it when they were
built) and packs it into ``_build/model-compression-survey-html.zip``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from .latex import DOWNLOADS, OUTPUT_STEM, download_files
from .sphinxext import SITE_LANGUAGES

ZIP_NAME = "model-compression-survey-html.zip"
#: Folder of the zip that holds the site (the language chooser is its index.html).
ZIP_ROOT = "model-compression-survey"

# What a LaTeX or xdvipdfmx log must not hold (the PDF build fails on any line matching one).
LOG_PROBLEMS = [
    ("LaTeX error", re.compile(r"^! ")),
    ("missing glyph", re.compile(r"^Missing character: ")),
    ("font", re.compile(r"Font Warning: .*undefined")),
    ("undefined reference", re.compile(r"Warning: .*(?:undefined|multiply defined)")),
    ("xdvipdfmx", re.compile(r"used, but not defined|Could not find file|Could not locate a virtual/physical font", re.I)),
]


def log_problems(text: str) -> list[str]:
    """Lines of a LaTeX/xdvipdfmx log that must fail the PDF build, each prefixed with its kind."""
    problems = []
    for line in text.splitlines():
        kind = next((kind for kind, pattern in LOG_PROBLEMS if pattern.search(line)), None)
        if kind:
            problems.append(f"{kind}: {line.strip()}")
    return problems


def _run(command: list[str], cwd: Path, env: dict | None = None, log: Path | None = None) -> int:
    print("+", " ".join(command), flush=True)
    if log is None:
        return subprocess.call(command, cwd=cwd, env=env)
    with open(log, "w", encoding="utf-8") as out:
        return subprocess.call(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)


def pdf_pages(path: Path) -> int:
    """Number of pages of a PDF (pdfinfo)."""
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def latex_problems(latex_dir: Path, stem: str) -> list[str]:
    """Problems of the last LaTeX run (its ``.log``) and of xdvipdfmx (latexmk's output, ``latexmk.out``).

    Earlier LaTeX runs warn about references the next run resolves, so
    only the final ``.log`` counts for LaTeX.
    """
    problems = []
    log = latex_dir / f"{stem}.log"
    if log.exists():
        problems += log_problems(log.read_text(encoding="utf-8", errors="replace"))
    out = latex_dir / "latexmk.out"
    if out.exists():
        problems += [p for p in log_problems(out.read_text(encoding="utf-8", errors="replace"))
                     if p.startswith("xdvipdfmx:")]
    return problems


def _each_language(kind: str, build_root: Path, languages, timings: dict | None, build_one) -> int:
    """Run ``build_one(lang)`` for each language; it returns the file it wrote, or None after reporting why not.

    Checks the Chinese catalogs first (a bad catalog stops every build),
    records each language's build time in ``timings[(kind, lang)]``
    (seconds) and prints what was written; 0 when every language built.
    """
    from .build import check_catalogs_or_report

    if "zh_CN" in languages and not check_catalogs_or_report(build_root):
        return 1
    status = 0
    for lang in languages:
        start = time.perf_counter()
        path = build_one(lang)
        if path is None:
            status = 1
            continue
        seconds = time.perf_counter() - start
        if timings is not None:
            timings[(kind, lang)] = seconds
        pages = f"{pdf_pages(path)} pages, " if kind == "pdf" else ""
        print(f"{kind.upper()} ({lang}): {path}, {pages}{path.stat().st_size / 1e6:.1f} MB, {seconds:.0f} s")
    return status


def build_pdf(build_root: Path, languages=tuple(SITE_LANGUAGES), timings: dict | None = None) -> int:
    """LaTeX sources under ``build_root/latex/<lang>``, PDFs under ``build_root/pdf/<lang>``; 0 on success."""
    from .build import sphinx

    def one(lang: str) -> Path | None:
        latex_dir = build_root / "latex" / lang
        if sphinx("latex", latex_dir, "-D", f"language={lang}") != 0:
            return None
        stem = OUTPUT_STEM[lang]
        # long log lines, so that a warning and its "undefined" stay on one line
        env = {**os.environ, "LATEXOPTS": "-interaction=nonstopmode -halt-on-error", "max_print_line": "100000"}
        # latexmk reads the latexmkrc Sphinx writes (xelatex, then xdvipdfmx)
        for stale in (f"{stem}.pdf", f"{stem}.xdv"):
            (latex_dir / stale).unlink(missing_ok=True)
        code = _run(["latexmk", "-pdfxe", "-dvi-", "-ps-", "-f", f"{stem}.tex"], latex_dir, env,
                    log=latex_dir / "latexmk.out")
        problems = latex_problems(latex_dir, stem)
        pdf = latex_dir / f"{stem}.pdf"
        if code != 0 or not pdf.exists() or problems:
            print(f"PDF ({lang}) failed: latexmk exit status {code}; see {latex_dir}/{stem}.log", file=sys.stderr)
            print(*sorted(set(problems))[:50], sep="\n  ", file=sys.stderr)
            return None
        target = build_root / "pdf" / lang
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(pdf, target / pdf.name)
        return target / pdf.name

    return _each_language("pdf", build_root, languages, timings, one)


def epubcheck_command() -> list[str]:
    """The command that runs epubcheck (Debian installs it as an executable jar, which needs binfmt_misc)."""
    path = shutil.which("epubcheck")
    if path and os.path.realpath(path).endswith(".jar"):
        return ["java", "-jar", os.path.realpath(path)]
    return [path or "epubcheck"]


def epubcheck_errors(epub: Path) -> tuple[int, str]:
    """Run epubcheck on ``epub``; returns (exit status, its report)."""
    result = subprocess.run([*epubcheck_command(), "--quiet", str(epub)], capture_output=True, text=True)
    return result.returncode, result.stdout + result.stderr


def build_epub(build_root: Path, languages=tuple(SITE_LANGUAGES), timings: dict | None = None) -> int:
    """EPUBs under ``build_root/epub/<lang>``, each checked with epubcheck; 0 on success."""
    from .build import sphinx

    def one(lang: str) -> Path | None:
        outdir = build_root / "epub" / lang
        # a fresh output folder: the EPUB packs every file in it, and Sphinx
        # would not rewrite pages whose sources did not change
        shutil.rmtree(outdir, ignore_errors=True)
        # doctrees outside the output folder, or the EPUB builder meets them as unknown files
        doctrees = build_root / "doctrees" / "epub" / lang
        if sphinx("epub", outdir, "-d", str(doctrees), "-D", f"language={lang}") != 0:
            return None
        epub = outdir / f"{OUTPUT_STEM[lang]}.epub"
        code, report = epubcheck_errors(epub)
        if code != 0:
            print(f"epubcheck rejects {epub}:\n{report}", file=sys.stderr)
            return None
        return epub

    return _each_language("epub", build_root, languages, timings, one)


def write_zip(html_root: Path, zip_path: Path) -> Path:
    """Pack the site under ``html_root`` (language chooser and both languages) into ``zip_path``."""
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    skip = {".buildinfo", ".doctrees"}
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(html_root.rglob("*")):
            relative = path.relative_to(html_root)
            if path.is_dir() or skip & set(relative.parts):
                continue
            archive.write(path, f"{ZIP_ROOT}/{relative.as_posix()}")
    return zip_path


def build_offline_zip(build_root: Path, with_downloads: bool = True) -> int:
    """Build the PDF and EPUB (unless ``with_downloads`` is false), the HTML, and the zip; 0 on success."""
    from .build import build_html

    if with_downloads:
        if build_pdf(build_root) != 0 or build_epub(build_root) != 0:
            return 1
    if build_html(build_root) != 0:
        return 1
    path = write_zip(build_root / "html", build_root / ZIP_NAME)
    print(f"Offline site: {path} ({path.stat().st_size / 1e6:.1f} MB); unpack it and open {ZIP_ROOT}/index.html")
    return 0


def report(build_root: Path, timings: dict) -> dict:
    """Page counts, sizes and build times of the PDFs and EPUBs under ``build_root``."""
    out: dict = {}
    for lang in SITE_LANGUAGES:
        for path in download_files(build_root, lang):
            kind = path.suffix.lstrip(".")
            row = {"file": path.name, "bytes": path.stat().st_size}
            if kind == "pdf":
                row["pages"] = pdf_pages(path)
            if (kind, lang) in timings:
                row["build_seconds"] = round(timings[(kind, lang)], 1)
            out.setdefault(kind, {})[lang] = row
    return out



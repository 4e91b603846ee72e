"""Benchmark the offline formats (issue 10): PDF and EPUB of each language.

Builds both formats strictly (``compression_survey.offline``) into a fresh
folder, reusing the notebook execution cache, and records per language the
build time (Sphinx + LaTeX for the PDF, Sphinx + epubcheck for the EPUB),
the PDF's page count and each file's size.  Writes ``benchmarks/offline.json``
and prints a Markdown table.  Usage: ``python benchmarks/offline.py [--build-dir DIR]``;
``--report-only --build-dir _build`` records pages and sizes of formats already built (no times).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from compression_survey import offline  # noqa: E402
from report import save  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", type=Path, help="build here (default: a fresh temporary folder)")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "offline.json")
    parser.add_argument("--report-only", action="store_true", help="do not build; report what --build-dir holds")
    args = parser.parse_args(argv)
    build_root = args.build_dir or Path(tempfile.mkdtemp(prefix="offline-bench-"))
    timings: dict = {}
    status = 0
    if not args.report_only:
        status = offline.build_pdf(build_root, timings=timings) | offline.build_epub(build_root, timings=timings)
    formats = offline.report(build_root, timings)
    rows = [{"format": kind, "language": lang, **row, "mb": f"{row['bytes'] / 1e6:.2f}"}
            for kind, languages in formats.items() for lang, row in languages.items()]
    save(args.output, {"status": status, "formats": formats},
         {"format": "format", "language": "language", "build_seconds": "build (s)", "pages": "pages", "mb": "size (MB)"},
         rows)
    return status


if __name__ == "__main__":
    raise SystemExit(main())

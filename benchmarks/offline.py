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
import json
import os
import platform
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from compression_survey import offline  # noqa: E402


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
    results = {
        "machine": {"platform": platform.platform(), "python": platform.python_version(),
                    "cpus": os.cpu_count(), "load_average_1min": os.getloadavg()[0]},
        "status": status,
        "formats": offline.report(build_root, timings),
    }
    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print("| format | language | build (s) | pages | size (MB) |\n|---|---|---|---|---|")
    for kind, languages in results["formats"].items():
        for lang, row in languages.items():
            print(f"| {kind} | {lang} | {row.get('build_seconds', '')} | {row.get('pages', '')} "
                  f"| {row['bytes'] / 1e6:.2f} |")
    return status


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark the bibliography and paper-explorer pages against the number of entries (issue 9).

Generates synthetic bibliographies of N entries (default 171 (the real
size), 1,000 and 5,000; written to a temporary folder, never committed),
each entry a copy of a real one under a new citation key, and for each N:

1. builds a two-page site (the grouped bibliography page and the paper
   explorer, with the project's extension and taxonomy) and reports the
   build time in seconds;
2. opens the explorer in Debian's Chromium (Playwright, served on
   127.0.0.1) and reports the time to first render (navigation start to
   the table being ready, ms; it includes loading the theme's scripts),
   the same after a reload (the theme's files cached, as for a reader
   coming from another page of the site),
   the part of it spent setting the explorer up (ms), and the time to
   apply a family filter (ms, median of 5).

Goals (issue 9): build time growing linearly; at 5,000 rows first render
≤ 1 s and a filter ≤ 100 ms on this machine.  Reported, not asserted.
Writes ``benchmarks/explorer.json`` and prints a Markdown table.
Usage: ``python benchmarks/explorer.py [N ...]``.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from report import save  # benchmarks/ is the script's folder, first on sys.path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def synthetic_bib(n: int) -> str:
    """``n`` entries cycling through references.bib, each retitled "Variant<i>: <title>" under the key the rules
    give, without the real paper's DOI and arXiv id (the duplicate check would rightly reject them)."""
    import copy

    from compression_survey.bibliography import expected_key, parse_bibliography
    from compression_survey.bibtex_format import format_entry

    real = list(parse_bibliography(ROOT / "references.bib").entries.values())
    out = []
    for i in range(n):
        entry = copy.deepcopy(real[i % len(real)])
        entry.fields["title"] = f"Variant{i}: {entry.fields['title']}"
        for name in ("doi", "eprint", "archiveprefix", "primaryclass"):  # identifiers of the real paper
            entry.fields.pop(name, None)
        if "url" in entry.fields:
            entry.fields["url"] = f"{entry.fields['url']}#variant{i}"
        out.append(format_entry(expected_key(entry), entry))
    return "\n".join(out)


def make_site(folder: Path, n: int) -> None:
    (folder / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / 'src')!r})\n"
        "extensions = ['sphinxcontrib.bibtex', 'compression_survey.sphinxext']\n"
        "bibtex_bibfiles = ['references.bib']\nhtml_theme = 'sphinx_book_theme'\n"
        "html_context = {'default_mode': 'auto'}\nsuppress_warnings = ['bibtex.duplicate_citation']\n"
    )
    for name in ("taxonomy.yaml", "terminology.yaml"):
        shutil.copy(ROOT / name, folder / name)
    (folder / "references.bib").write_text(synthetic_bib(n), encoding="utf-8")
    (folder / "index.rst").write_text("Bench\n=====\n\n.. toctree::\n\n   bibliography\n   explorer\n")
    (folder / "bibliography.rst").write_text("Bibliography\n============\n\n.. taxonomy-bibliography::\n")
    (folder / "explorer.rst").write_text("Explorer\n========\n\n.. paper-explorer::\n")


def measure_browser(outdir: Path, repeats: int = 5) -> tuple[float, float, float, float]:
    from playwright.sync_api import sync_playwright

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:  # no line per request in the report
            pass

    handler = functools.partial(QuietHandler, directory=str(outdir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/explorer.html"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page()
        page.goto(url)
        page.wait_for_function("document.documentElement.dataset.explorerReady === '1'", timeout=60000)
        first_render = page.evaluate("performance.now()")
        # a reader arriving from another page of the site has the theme's files cached
        page.reload()
        page.wait_for_function("document.documentElement.dataset.explorerReady === '1'", timeout=60000)
        warm_render = page.evaluate("performance.now()")
        setup = page.evaluate("window.surveyExplorer.setupMs")
        filters = []
        for _ in range(repeats):
            filters.append(page.evaluate("""() => {
                const box = document.querySelector("#explorer-families input[value='quantization']");
                const start = performance.now();
                box.click();
                const elapsed = performance.now() - start;
                box.click();
                return elapsed;
            }"""))
        browser.close()
    server.shutdown()
    return first_render, warm_render, setup, statistics.median(filters)


def main() -> int:
    sizes = [int(a) for a in sys.argv[1:]] or [171, 1000, 5000]
    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory() as scratch:
            folder = Path(scratch)
            make_site(folder, n)
            start = time.perf_counter()
            result = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", str(folder), str(folder / "_out")],
                                    capture_output=True, text=True)
            build = time.perf_counter() - start
            if result.returncode != 0:
                print(result.stderr[-2000:])
                return 1
            first, warm, setup, filtering = measure_browser(folder / "_out")
            rows.append({"entries": n, "build_s": round(build, 1), "first_render_ms": round(first),
                         "warm_render_ms": round(warm),
                         "explorer_setup_ms": round(setup), "filter_ms": round(filtering, 1)})
            print(rows[-1], flush=True)
    save(ROOT / "benchmarks" / "explorer.json", {"runs": rows},
         {"entries": "entries", "build_s": "build (s)", "first_render_ms": "first render, empty cache (ms)",
          "warm_render_ms": "first render, theme cached (ms)",
          "explorer_setup_ms": "of which the explorer's set-up (ms)", "filter_ms": "filter (ms)"}, rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

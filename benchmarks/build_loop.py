"""Benchmark the authoring loop (issue 8): cold build, no-op rebuild, one edited chapter.

Measures, on this machine, in seconds of wall-clock time, with the project's
own build (``python -m compression_survey.build html``, both languages,
strict) into a scratch build folder:

1. a cold build (empty build folder; the notebook execution cache of the
   project's ``_build/.jupyter_cache`` is used if present — pass
   ``--cold-cache`` to start without it, which executes every notebook);
2. a no-op rebuild (nothing changed);
3. a rebuild after one chapter's source changed (a comment appended to
   ``docs/chapters/pruning.md`` and removed afterwards).

For each build it reports the documents Sphinx re-read and the HTML pages
written again (modification time) and those whose bytes changed (SHA-256),
per language.
Writes ``benchmarks/build_loop.json`` and prints a Markdown table.
Usage: ``python benchmarks/build_loop.py [--cold-cache]``.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from report import save  # benchmarks/ is the script's folder, first on sys.path

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = ROOT / "docs" / "chapters" / "pruning.md"


def build(build_root: Path) -> tuple[float, str]:
    """Seconds of one two-language build and its console output; raises on failure."""
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "compression_survey.build", "html", "--build-dir", str(build_root)],
                            cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"build failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return seconds, result.stdout + result.stderr


def reread(output: str) -> dict[str, int]:
    """Documents re-read per Sphinx run, in run order (gettext, en, zh_CN), from 'updating environment' lines."""
    counts = re.findall(r"updating environment: (?:\[[^\]]*\] )?(\d+) added, (\d+) changed, (\d+) removed", output)
    names = ["gettext", "en", "zh_CN"]
    return {names[i] if i < len(names) else str(i): int(a) + int(c) for i, (a, c, _) in enumerate(counts)}


def page_times(html_root: Path) -> dict[str, tuple[int, str]]:
    """Each HTML page under ``html_root``: (modification time in ns, SHA-256 of its bytes)."""
    return {str(p.relative_to(html_root)): (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
            for p in html_root.rglob("*.html")}


def rewritten(before: dict, after: dict) -> dict[str, dict]:
    """Per language: the pages written again (modification time) and how many of them changed bytes.

    Sphinx writes its own ``search.html`` and ``genindex.html`` on every
    build; they are listed by name so a reader sees which pages they are.
    """
    out = {}
    for lang in ("en", "zh_CN"):
        written = sorted(p for p in after if p.startswith(lang + "/") and before.get(p, (None,))[0] != after[p][0])
        changed = [p for p in written if before.get(p, (None, None))[1] != after[p][1]]
        out[lang] = {"written": len(written), "changed_bytes": len(changed),
                     **({"pages": [p.split("/", 1)[1] for p in written]} if len(written) <= 6 else {})}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold-cache", action="store_true", help="start without the notebook execution cache")
    args = parser.parse_args()
    rows = []
    saved_cache = None
    cache = ROOT / "_build" / ".jupyter_cache"
    if args.cold_cache and cache.exists():
        saved_cache = Path(tempfile.mkdtemp()) / "cache"
        shutil.move(str(cache), saved_cache)
    original = CHAPTER.read_text(encoding="utf-8")
    try:
        with tempfile.TemporaryDirectory() as scratch:
            build_root = Path(scratch)
            seconds, output = build(build_root)
            rows.append({"build": "cold", "seconds": round(seconds, 1), "reread": reread(output),
                         "pages_rewritten": rewritten({}, page_times(build_root / "html"))})
            before = page_times(build_root / "html")
            time.sleep(1.1)
            seconds, output = build(build_root)
            rows.append({"build": "no-op", "seconds": round(seconds, 1), "reread": reread(output),
                         "pages_rewritten": rewritten(before, page_times(build_root / "html"))})
            before = page_times(build_root / "html")
            CHAPTER.write_text(original + "\n<!-- benchmark edit -->\n", encoding="utf-8")
            time.sleep(1.1)
            seconds, output = build(build_root)
            rows.append({"build": "one chapter edited", "seconds": round(seconds, 1), "reread": reread(output),
                         "pages_rewritten": rewritten(before, page_times(build_root / "html"))})
    finally:
        CHAPTER.write_text(original, encoding="utf-8")
        if saved_cache is not None:
            shutil.rmtree(cache, ignore_errors=True)
            shutil.move(str(saved_cache), cache)
    save(ROOT / "benchmarks" / "build_loop.json", {"cold_notebook_cache": args.cold_cache, "builds": rows},
         {"build": "build", "seconds": "seconds", "reread": "documents re-read (gettext/en/zh_CN)",
          "pages_rewritten": "pages written again / with changed bytes, per language"},
         [{**row, "reread": "/".join(str(n) for n in row["reread"].values()),
           "pages_rewritten": "; ".join(
               f"{lang} {r['written']} / {r['changed_bytes']}" + (f" ({', '.join(r['pages'])})" if r.get("pages") else "")
               for lang, r in row["pages_rewritten"].items())} for row in rows])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark the demonstration notebooks and the build (issue 4's time budget).

Measures, on this machine, in seconds of wall-clock time:

1. each notebook executed on its own, cold, in a fresh kernel from
   ``notebooks/`` (MyST text notebook read with MyST-NB, run with nbclient);
2. a cold English build with an empty execution cache (every notebook runs);
3. the Chinese build reusing that cache, and a second English build
   (both must execute nothing: the report counts executed notebooks).

Budget (issue 4): each notebook ≤ 60 s (the LLM notebook ≤ 90 s, issue 12), all together ≤ 300 s cold.
Writes ``benchmarks/results.json`` and prints a Markdown table.
Usage: ``python benchmarks/notebooks.py [--skip-build]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from myst_nb.core.read import read_myst_markdown_notebook
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
PER_NOTEBOOK_BUDGET_S = 60.0
#: Notebooks with a budget of their own (issue 12: the small transformer's notebook, at most 90 s).
NOTEBOOK_BUDGETS_S = {"llm_compression": 90.0}
TOTAL_BUDGET_S = 300.0


def time_notebook(path: Path) -> float:
    """Seconds to execute the notebook at ``path`` top to bottom in a fresh kernel."""
    notebook = read_myst_markdown_notebook(path.read_text(encoding="utf-8"))
    notebook = nbformat.from_dict(notebook)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def timed_build(language: str, outdir: Path, cache: Path) -> tuple[float, int]:
    """Seconds of one strict ``sphinx-build`` and the number of notebooks it executed."""
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-n", "-W", "--keep-going",
               "-D", f"language={language}", "-D", f"nb_execution_cache_path={cache}",
               str(ROOT), str(outdir / language)]
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"build failed:\n{result.stdout}\n{result.stderr}")
    # MyST-NB logs "Executed notebook in X seconds" once per notebook it runs
    executed = len(re.findall(r"Executed notebook in [\d.]+ seconds", result.stdout + result.stderr))
    return elapsed, executed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-build", action="store_true", help="only time the notebooks one by one")
    args = parser.parse_args()
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))
    report: dict = {"machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} CPUs, Python {platform.python_version()}",
                    "date": time.strftime("%Y-%m-%d"), "notebooks": {}}
    for path in sorted((ROOT / "notebooks").glob("*.md")):
        seconds = time_notebook(path)
        report["notebooks"][path.stem] = round(seconds, 1)
        print(f"{path.stem}: {seconds:.1f} s", flush=True)
    total = sum(report["notebooks"].values())
    report["notebooks_total_s"] = round(total, 1)
    if not args.skip_build:
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            cache = tmp / "jupyter_cache"
            for name, language in (("cold_en", "en"), ("cached_zh_CN", "zh_CN"), ("cached_en", "en")):
                seconds, executed = timed_build(language, tmp / "html", cache)
                report[name] = {"seconds": round(seconds, 1), "notebooks_executed": executed}
                print(f"{name}: {seconds:.1f} s, {executed} notebooks executed", flush=True)
    (ROOT / "benchmarks" / "results.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print("\n| notebook | seconds | budget (s) | within it |\n|---|---:|---:|---|")
    for name, seconds in report["notebooks"].items():
        budget = NOTEBOOK_BUDGETS_S.get(name, PER_NOTEBOOK_BUDGET_S)
        print(f"| {name} | {seconds:.1f} | {budget:.0f} | {'yes' if seconds <= budget else 'NO'} |")
    print(f"| **all** | {total:.1f} | {TOTAL_BUDGET_S:.0f} | {'yes' if total <= TOTAL_BUDGET_S else 'NO'} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""What every benchmark script does with its results: a JSON file and a Markdown table."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path


def machine() -> dict:
    """The machine the numbers were measured on (CPU count, Python, load average over one minute)."""
    return {"platform": platform.platform(), "python": platform.python_version(),
            "cpus": os.cpu_count(), "load_average_1min": round(os.getloadavg()[0], 2)}


def save(path: Path, results: dict, columns: dict[str, str], rows: list[dict]) -> None:
    """Write ``results`` (with :func:`machine` added) to ``path`` and print ``rows`` as a Markdown table.

    ``columns`` maps each row key to its column heading, in table order; a
    key a row lacks prints as an empty cell.
    """
    path.write_text(json.dumps({"machine": machine(), **results}, indent=2, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    print("| " + " | ".join(columns.values()) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(str(row.get(key, "")) for key in columns) + " |")

"""Constants and helpers of the browser tests (the fixtures are in this folder's conftest.py).

Imported by name (``from harness import ...``): a test module cannot import
``conftest`` by name, since two ``conftest.py`` files (tests/ and
tests/browser/) would clash.
"""

from __future__ import annotations

from pathlib import Path

from compression_survey import PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
#: Viewport widths of the tests: a phone and a laptop.
PHONE, DESKTOP = 390, 1366
WIDTHS = {"phone": PHONE, "desktop": DESKTOP}
SCREENSHOTS = PROJECT_ROOT / "_build" / "screenshots"


def screenshot(page, name: str) -> Path:
    """Save a screenshot of the viewport as ``_build/screenshots/<name>.png`` for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path

"""Real-browser harness: the built site served on 127.0.0.1 and Debian's Chromium driven by Playwright.

Fixtures
* ``served`` — the built site (root ``conftest.site``) served over HTTP on
  127.0.0.1 in two layouts: ``local`` (``/en/…``, ``/zh_CN/…`` as built) and
  ``rtd`` (``/en/latest/…``, ``/zh-cn/latest/…`` as Read the Docs serves a
  project and its translation).  ``served.url(layout, lang, page)`` gives a URL.
* ``browser`` — one headless Chromium for the session (``/usr/bin/chromium``,
  never a downloaded browser).
* ``open_page`` — opens a URL in a fresh context at a given viewport width and
  colour scheme; every request that does not go to 127.0.0.1 is blocked and
  recorded, and every uncaught page error, console error and HTTP error is
  recorded.  At the end of the test the recorded lists must be empty.

Screenshots for a person to look at go to ``_build/screenshots/``.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from harness import CHROMIUM, DESKTOP, PHONE

#: Chromium flags: no background traffic (this machine has no network), no sandbox as root.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-default-apps", "--disable-extensions",
]
#: URL prefix of each language per layout.
LAYOUTS = {
    "local": {"en": "en", "zh_CN": "zh_CN"},
    "rtd": {"en": "en/latest", "zh_CN": "zh-cn/latest"},
}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass


@dataclass
class Served:
    """The site served on 127.0.0.1; ``roots[layout]`` is the base URL of that layout."""

    roots: dict[str, str]

    def url(self, layout: str, lang: str, page: str = "docs/index.html") -> str:
        return f"{self.roots[layout]}{LAYOUTS[layout][lang]}/{page}"


def _serve(directory: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


@pytest.fixture(scope="session")
def served(site, tmp_path_factory):
    rtd = tmp_path_factory.mktemp("rtd")
    for lang, prefix in LAYOUTS["rtd"].items():
        target = rtd / prefix
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(site / lang, target_is_directory=True)
    servers = {layout: _serve(directory) for layout, directory in (("local", site), ("rtd", rtd))}
    yield Served({layout: base for layout, (_, base) in servers.items()})
    for server, _ in servers.values():
        server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: the project's install step (scripts/debian-packages.txt) installs chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@dataclass
class Observed:
    """What the pages of one test did that a reader would notice: blocked requests, errors."""

    external: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    http_errors: list[str] = field(default_factory=list)


def _local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"data", "blob", "about", "file"} or parts.hostname == "127.0.0.1"


@pytest.fixture
def observed():
    seen = Observed()
    yield seen
    assert seen.external == [], "requests that left 127.0.0.1"
    assert seen.page_errors == [], "uncaught errors in the page"
    assert seen.console_errors == [], "errors on the console"
    assert seen.http_errors == [], "requests that failed"


@pytest.fixture
def open_page(browser, observed):
    """``open_page(url, width=1366, dark=False, lang=None)`` → a Playwright page that has loaded ``url``."""
    contexts = []

    def opener(url: str, width: int = DESKTOP, dark: bool = False, **context_options):
        context = browser.new_context(
            viewport={"width": width, "height": 844 if width == PHONE else 900},
            color_scheme="dark" if dark else "light",
            **context_options,
        )
        contexts.append(context)

        def route(route):
            if _local(route.request.url):
                route.continue_()
            else:
                observed.external.append(route.request.url)
                route.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.on("pageerror", lambda error: observed.page_errors.append(f"{page.url}: {error}"))
        page.on("console", lambda m: m.type == "error" and observed.console_errors.append(f"{page.url}: {m.text}"))
        page.on("response", lambda r: r.status >= 400 and observed.http_errors.append(f"{r.status} {r.url}"))
        page.goto(url)
        page.wait_for_load_state("load")
        return page

    yield opener
    for context in contexts:
        context.close()

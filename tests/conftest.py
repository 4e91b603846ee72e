"""Shared fixtures: the project's paths, its taxonomy, and one strict build of the site in both languages."""

from __future__ import annotations

from pathlib import Path

import pytest

from compression_survey import PROJECT_ROOT
from compression_survey.build import build_html
from compression_survey.taxonomy import load_taxonomy



@pytest.fixture(scope="session")
def root() -> Path:
    return PROJECT_ROOT


@pytest.fixture(scope="session")
def taxonomy():
    return load_taxonomy(PROJECT_ROOT / "taxonomy.yaml")


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """Build both languages strictly (-n -W --keep-going) into a fresh folder; returns its html root.

    With ``SURVEY_BUILT_SITE=_build/html`` in the environment the tests use that
    already built site instead (for working on the tests; CI always builds).
    """
    import os

    if os.environ.get("SURVEY_BUILT_SITE"):
        return Path(os.environ["SURVEY_BUILT_SITE"]).resolve()
    build_root = tmp_path_factory.mktemp("build")
    status = build_html(build_root)
    assert status == 0, "the strict build of the site failed; see the output above"
    return build_root / "html"


@pytest.fixture
def write_tiny_site(tmp_path):
    """``write_tiny_site(extensions=(), conf="")`` → a folder holding a small Sphinx project that uses the survey's
    extension with the real taxonomy and terminology (the test writes its pages and ``references.bib``)."""
    import shutil

    def write(extensions=(), conf: str = "") -> Path:
        names = [*extensions, "sphinxcontrib.bibtex", "compression_survey.sphinxext"]
        (tmp_path / "conf.py").write_text(
            f"import sys\nsys.path.insert(0, {str(PROJECT_ROOT / 'src')!r})\n"
            f"extensions = {names!r}\nbibtex_bibfiles = ['references.bib']\n{conf}"
        )
        for name in ("taxonomy.yaml", "terminology.yaml"):
            shutil.copy(PROJECT_ROOT / name, tmp_path / name)
        return tmp_path

    return write


def strict_build(site: Path):
    """Build ``site`` strictly (-n -W --keep-going) into ``site/_out``; returns the finished process."""
    import subprocess
    import sys

    command = [sys.executable, "-m", "sphinx", "-b", "html", "-n", "-W", "--keep-going", str(site), str(site / "_out")]
    return subprocess.run(command, capture_output=True, text=True)


@pytest.fixture
def build():
    return strict_build

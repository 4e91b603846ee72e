"""An incremental build writes the same search index as a clean one (index entries included)."""

from __future__ import annotations

import json
import re
import shutil

GLOSSARY = """Glossary
========

.. glossary::

   sparsity
      The fraction of weights that are zero.

   zero-point
      The integer that represents the real value 0 after quantization.
"""


def search_index(site) -> dict:
    raw = (site / "_out" / "searchindex.js").read_text(encoding="utf-8")
    return json.loads(raw[raw.index("(") + 1 : raw.rindex(")")])


def test_glossary_entries_stay_in_the_search_index_when_the_glossary_is_not_rewritten(write_tiny_site, build):
    site = write_tiny_site()
    (site / "references.bib").write_text("")
    (site / "index.rst").write_text("Test\n====\n\n.. toctree::\n\n   glossary\n   other\n")
    (site / "glossary.rst").write_text(GLOSSARY)
    (site / "other.rst").write_text("Other\n=====\n\nA first version.\n")
    first = build(site)
    assert first.returncode == 0, first.stderr
    clean = search_index(site)
    assert {"sparsity", "zero-point"} <= set(clean["indexentries"])

    (site / "other.rst").write_text("Other\n=====\n\nA second version.\n")  # only this page is re-read
    second = build(site)
    assert second.returncode == 0, second.stderr
    assert "1 changed" in second.stdout or "1 source files that are out of date" in second.stdout, second.stdout
    assert search_index(site)["indexentries"] == clean["indexentries"]

    # and the same as a clean build of the edited project
    shutil.rmtree(site / "_out")
    assert build(site).returncode == 0
    assert search_index(site)["indexentries"] == clean["indexentries"]


def test_a_clean_build_links_the_notebook_stylesheet_as_later_builds_do(write_tiny_site, build):
    """MyST-NB's CSS is in ``_static`` before pages are written, so even a clean build links it with its checksum."""
    site = write_tiny_site(["myst_nb"], "exclude_patterns = ['_out']\n")
    (site / "references.bib").write_text("")
    (site / "index.rst").write_text("Test\n====\n\nA page.\n")
    first = build(site)
    assert first.returncode == 0, first.stderr
    clean = (site / "_out" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'href="_static/mystnb\.[0-9a-f]+\.css\?v=[0-9a-f]+"', clean), clean[:2000]
    (site / "index.rst").write_text("Test\n====\n\nA page, edited.\n")
    (site / "index.rst").write_text("Test\n====\n\nA page.\n")  # same text, newer file: written again
    assert build(site).returncode == 0
    assert (site / "_out" / "index.html").read_text(encoding="utf-8") == clean

"""A strict build fails while any written page shows an error, even when this run did not re-read it."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from compression_survey.site import page_errors

ENTRY = """@misc{gale2019state,
  author   = {Gale, Trevor and Elsen, Erich and Hooker, Sara},
  title    = {The State of Sparsity in Deep Neural Networks},
  year     = {2019},
  url      = {https://arxiv.org/abs/1902.09574},
  keywords = {pruning.unstructured},
}
"""


@pytest.fixture
def math_site(write_tiny_site):
    site = write_tiny_site(["sphinx.ext.imgmath"], "imgmath_image_format = 'svg'\nimgmath_embed = True\n")
    (site / "references.bib").write_text(ENTRY)
    (site / "index.rst").write_text("Test\n====\n\n.. toctree::\n\n   formula\n")
    (site / "formula.rst").write_text("Formula\n=======\n\nA formula: :math:`\\frac{1}{2}`.\n")
    return site




def test_a_broken_formula_fails_every_build_until_it_is_fixed(build, math_site):
    assert build(math_site).returncode == 0
    (math_site / "formula.rst").write_text("Formula\n=======\n\nA formula: :math:`\\frac{1}{2`.\n")
    first = build(math_site)
    assert first.returncode != 0
    second = build(math_site)  # nothing changed: Sphinx re-reads nothing and reports nothing by itself
    assert second.returncode != 0, second.stderr
    assert "formula.html: the written page shows" in second.stderr
    assert "did not render" in second.stderr or "system message" in second.stderr
    (math_site / "formula.rst").write_text("Formula\n=======\n\nA formula: :math:`\\frac{1}{2}`.\n")
    fixed = build(math_site)
    assert fixed.returncode == 0, fixed.stderr


def test_page_errors_names_what_the_reader_sees():
    assert page_errors('<p>fine <img class="math" src="x.svg"></p>') == []
    assert page_errors('<aside class="system-message">x</aside>') == ["1 × a system message (error box)"]
    assert page_errors('<span class="problematic">x</span><span class="problematic">y</span>') == [
        "2 × a problematic (unresolved) node"]

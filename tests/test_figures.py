"""Figures stay readable in the text column: no tiny fonts, no over-wide figures in any notebook."""

from __future__ import annotations

import re

import pytest

from compression_survey.plotting import MAX_FIGURE_WIDTH_IN, MIN_FONT_SIZE_PT


def notebooks(root):
    return sorted((root / "notebooks").glob("*.md"))


def test_no_notebook_sets_a_font_below_the_minimum(root):
    small = [f"{path.name}:{n}: {line.strip()}"
             for path in notebooks(root)
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             for size in re.findall(r"fontsize=(\d+(?:\.\d+)?)", line) if float(size) < MIN_FONT_SIZE_PT]
    assert small == []


def test_no_figure_is_wider_than_the_text_column_allows(root):
    wide = [f"{path.name}:{n}: {line.strip()}"
            for path in notebooks(root)
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            for width in re.findall(r"figsize=\((\d+(?:\.\d+)?)\s*,", line) if float(width) > MAX_FIGURE_WIDTH_IN]
    assert wide == []


@pytest.mark.parametrize("key", ["font.size", "legend.fontsize", "xtick.labelsize", "ytick.labelsize"])
def test_default_text_sizes_meet_the_minimum(key):
    import matplotlib as mpl

    from compression_survey.plotting import setup_matplotlib

    setup_matplotlib()
    assert float(mpl.rcParams[key]) >= MIN_FONT_SIZE_PT

"""Matplotlib settings shared by the survey's notebooks.

Figures must be readable in both languages (Latin and CJK glyphs) and
identical from run to run.
"""

from __future__ import annotations

import matplotlib as mpl

#: Font fallback list: Latin glyphs from DejaVu Sans, Chinese from Noto Sans CJK SC
#: (Debian package ``fonts-noto-cjk``).
FONT_FAMILY = ["DejaVu Sans", "Noto Sans CJK SC"]


#: No text in a figure is set smaller (points); with figures at most
#: MAX_FIGURE_WIDTH_IN wide at 100 dpi, text stays at least 8 px high in the
#: desktop text column (checked in the browser tests).
MIN_FONT_SIZE_PT = 9
MAX_FIGURE_WIDTH_IN = 10.5


def setup_matplotlib() -> None:
    """Set fonts, a fixed SVG hash salt and no creation date, so figures are reproducible byte for byte."""
    mpl.rcParams.update(
        {
            "font.family": FONT_FAMILY,
            "svg.hashsalt": "compression-survey",
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "axes.unicode_minus": False,
            # readable when a figure is shown in the text column (see MIN_FONT_SIZE_PT)
            "font.size": 11,
            "axes.titlesize": 11,
            "axes.labelsize": 11,
            "legend.fontsize": 10,
            "xtick.labelsize": 10,
            "ytick.labelsize": 10,
        }
    )


def bilingual(en: str, zh: str) -> str:
    """A figure label in both languages, ``"Pruning 剪枝"``."""
    return f"{en} {zh}"

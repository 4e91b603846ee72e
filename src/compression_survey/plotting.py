"""Matplotlib settings shared by the survey's notebooks.

Figures must be readable in both languages (Latin and CJK glyphs) and
identical from run to run.
"""

from __future__ import annotations

import matplotlib as mpl

#: Font fallback list: Latin glyphs from DejaVu Sans, Chinese from Noto Sans CJK SC
#: (Debian package ``fonts-noto-cjk``).
FONT_FAMILY = ["DejaVu Sans", "Noto Sans CJK SC"]


def setup_matplotlib() -> None:
    """Set fonts, a fixed SVG hash salt and no creation date, so figures are reproducible byte for byte."""
    mpl.rcParams.update(
        {
            "font.family": FONT_FAMILY,
            "svg.hashsalt": "compression-survey",
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "axes.unicode_minus": False,
        }
    )


def bilingual(en: str, zh: str) -> str:
    """A figure label in both languages, ``"Pruning 剪枝"``."""
    return f"{en} {zh}"

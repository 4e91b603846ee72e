"""The pybtex style of the survey's bibliography page: ``plain`` formatting, the citation key as label.

Each entry's label is its citation key (``han2015learning``), so labels are
unique across the many ``bibliography`` directives of the bibliography page
(numeric labels would restart in each group and collide), and a reader sees
the key to use in their own BibTeX file.  Registered as the pybtex
formatting style ``survey`` when the Sphinx extension is imported.
"""

from __future__ import annotations

from pybtex.plugin import register_plugin
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle


class KeyLabelStyle(BaseLabelStyle):
    """Label every entry with its citation key."""

    def format_labels(self, sorted_entries):
        for entry in sorted_entries:
            yield entry.key


class SurveyStyle(PlainStyle):
    """pybtex's ``plain`` style with :class:`KeyLabelStyle` labels."""

    default_label_style = KeyLabelStyle


def register() -> None:
    """Make the style available to sphinxcontrib-bibtex as ``bibtex_default_style = "survey"``."""
    register_plugin("pybtex.style.formatting", "survey", SurveyStyle, force=True)

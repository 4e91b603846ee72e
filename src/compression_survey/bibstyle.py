"""The pybtex styles of the survey's bibliography and citations, in English and Chinese.

* ``survey`` (formatting): pybtex's ``plain`` style with the citation key as
  label, so labels are unique across the many ``bibliography`` directives of
  the bibliography page (numeric labels would restart in each group and
  collide), and a reader sees the key to use in their own BibTeX file.
* ``survey_zh`` (formatting): the same with the connecting words in Chinese
  (载于, 第 N 卷, 第 x–y 页, 网址) and author lists joined with 和.
* ``survey_author_year_zh`` (sphinxcontrib-bibtex referencing): author–year
  citations written the Chinese way, "Han 等 (2015)", "Hinton 和 Dean".

:func:`register` makes them known to pybtex and sphinxcontrib-bibtex;
:func:`styles_for` names the pair a build language uses.
"""

from __future__ import annotations

import dataclasses

from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle
from pybtex.style.formatting import toplevel
from pybtex.style.template import field, href, join, names, optional, sentence, words
from sphinxcontrib.bibtex.plugin import register_plugin as register_bibtex_plugin
from sphinxcontrib.bibtex.style.referencing import PersonStyle
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle


class KeyLabelStyle(BaseLabelStyle):
    """Label every entry with its citation key."""

    def format_labels(self, sorted_entries):
        for entry in sorted_entries:
            yield entry.key


class SurveyStyle(PlainStyle):
    """pybtex's ``plain`` style with :class:`KeyLabelStyle` labels."""

    default_label_style = KeyLabelStyle


_pages = field("pages", apply_func=lambda text: Text("–").join(text.split("--")))


class ChineseSurveyStyle(SurveyStyle):
    """:class:`SurveyStyle` with Chinese connecting words, for the Chinese site.

    Names and titles stay as published (Latin script); only the words that
    pybtex adds around them are Chinese.
    """

    def format_names(self, role, as_sentence=True):
        formatted = names(role, sep=", ", sep2=" 和 ", last_sep=" 和 ")
        return sentence[formatted] if as_sentence else formatted

    def format_volume_and_series(self, e, as_sentence=True):
        return optional[join["第 ", field("volume"), " 卷"]]

    def get_article_template(self, e):
        volume_and_pages = optional[join[field("volume"), optional["(", field("number"), ")"], ":", _pages]]
        return toplevel[
            self.format_names("author"),
            self.format_title(e, "title"),
            sentence[field("journal"), optional[volume_and_pages], field("year")],
            self.format_web_refs(e),
        ]

    def get_inproceedings_template(self, e):
        return toplevel[
            sentence[self.format_names("author")],
            self.format_title(e, "title"),
            words[
                "载于",
                sentence[
                    self.format_btitle(e, "booktitle", as_sentence=False),
                    self.format_volume_and_series(e, as_sentence=False),
                    optional[join["第 ", _pages, " 页"]],
                ],
                sentence[optional_publisher_year()],
            ],
            self.format_web_refs(e),
        ]

    def format_url(self, e):
        url = field("url", raw=True)
        return join["网址：", href(url)[url]]


def optional_publisher_year():
    return join(sep=", ")[optional[field("publisher")], field("year")]


@dataclasses.dataclass
class ChineseAuthorYearStyle(AuthorYearReferenceStyle):
    """Author–year citations in Chinese: "Han 等 (2015)", "(Hinton 和 Dean, 2015)"."""

    person: PersonStyle = dataclasses.field(
        default_factory=lambda: PersonStyle(sep="、", sep2=" 和 ", last_sep=" 和 ", other=" 等")
    )


#: (formatting style, referencing style) per build language.
STYLES = {"en": ("survey", "author_year"), "zh_CN": ("survey_zh", "survey_author_year_zh")}


def styles_for(language: str) -> tuple[str, str]:
    """The (``bibtex_default_style``, ``bibtex_reference_style``) of a build language (``en`` or ``zh_CN``)."""
    return STYLES["zh_CN" if language.startswith("zh") else "en"]


def register() -> None:
    """Register ``survey``, ``survey_zh`` (pybtex) and ``survey_author_year_zh`` (sphinxcontrib-bibtex)."""
    register_plugin("pybtex.style.formatting", "survey", SurveyStyle, force=True)
    register_plugin("pybtex.style.formatting", "survey_zh", ChineseSurveyStyle, force=True)
    register_bibtex_plugin(
        "sphinxcontrib.bibtex.style.referencing", "survey_author_year_zh", ChineseAuthorYearStyle, force=True
    )

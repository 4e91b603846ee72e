"""Writing one BibTeX entry in the survey's canonical layout.

Used by the curation tools and by the paper pages' "copy BibTeX" text, so
that an entry looks the same wherever it is shown.
"""

from __future__ import annotations

from pybtex.database import Entry

#: Field order of every entry; fields not listed follow in alphabetical order.
FIELD_ORDER = (
    "author", "editor", "title", "booktitle", "journal", "series", "volume", "number", "pages",
    "publisher", "organization", "address", "year", "month", "note", "howpublished", "doi",
    "eprint", "archiveprefix", "primaryclass", "url", "key", "keywords", "code", "award",
)


#: The project's own fields: taxonomy ids, code link, award.  A reader's copy of an entry leaves them out.
PROJECT_FIELDS = frozenset({"keywords", "code", "award"})


def format_entry(key: str, entry: Entry, exclude: frozenset[str] = frozenset()) -> str:
    """The entry as BibTeX text: ``@type{key,`` then one ``  field = {value},`` line per field, then ``}``.

    Person fields are written ``Family, Given and ...`` from pybtex's parsed persons.
    Fields named in ``exclude`` (lower case; e.g. :data:`PROJECT_FIELDS`) are left out.
    """
    fields = {name.lower(): value for name, value in entry.fields.items() if name.lower() not in exclude}
    for role, persons in entry.persons.items():
        fields[role.lower()] = " and ".join(str(p) for p in persons)
    order = [f for f in FIELD_ORDER if f in fields] + sorted(set(fields) - set(FIELD_ORDER))
    width = max(len(f) for f in order)
    body = "".join(f"  {name.ljust(width)} = {{{fields[name]}}},\n" for name in order)
    return f"@{entry.type}{{{key},\n{body}}}\n"

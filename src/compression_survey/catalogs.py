"""Checks of the Chinese message catalogs (``docs/locale/zh_CN/LC_MESSAGES``).

A catalog is complete when every message of the English source (the
``.pot`` templates from ``sphinx-build -b gettext``) has a translation that
is not fuzzy, and the catalog holds no message the source no longer has.
"""

from __future__ import annotations

from pathlib import Path

import polib


def catalog_problems(pot_dir: Path, po_dir: Path) -> list[str]:
    """Every problem of the catalogs under ``po_dir`` against the templates under ``pot_dir``.

    Each problem is one line ``<catalog>: <what>: <msgid, shortened>``:
    a catalog missing for a template, a message missing, untranslated,
    fuzzy, or obsolete (in the catalog but no longer in the source).
    An empty list means the translation is complete and current.
    """
    pot_dir, po_dir = Path(pot_dir), Path(po_dir)
    problems: list[str] = []
    templates = sorted(pot_dir.rglob("*.pot"))
    if not templates:
        return [f"{pot_dir}: no .pot templates (run the gettext builder first)"]
    expected_catalogs = set()
    for pot_path in templates:
        relative = pot_path.relative_to(pot_dir).with_suffix(".po")
        expected_catalogs.add(relative)
        po_path = po_dir / relative
        if not po_path.exists():
            problems.append(f"{po_path}: catalog missing")
            continue
        pot = polib.pofile(str(pot_path))
        po = polib.pofile(str(po_path))
        source_ids = {e.msgid for e in pot}
        translated = {e.msgid: e for e in po if not e.obsolete}
        for msgid in sorted(source_ids - set(translated)):
            problems.append(f"{po_path}: missing: {msgid[:80]}")
        for msgid, entry in translated.items():
            if msgid not in source_ids:
                problems.append(f"{po_path}: obsolete: {msgid[:80]}")
            elif not entry.msgstr.strip():
                problems.append(f"{po_path}: untranslated: {msgid[:80]}")
            elif "fuzzy" in entry.flags:
                problems.append(f"{po_path}: fuzzy: {msgid[:80]}")
        for entry in po:
            if entry.obsolete:
                problems.append(f"{po_path}: obsolete: {entry.msgid[:80]}")
    for po_path in sorted(po_dir.rglob("*.po")):
        if po_path.relative_to(po_dir) not in expected_catalogs:
            problems.append(f"{po_path}: orphaned catalog (no source page)")
    return problems

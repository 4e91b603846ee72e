"""Build the survey site in both languages, or update the Chinese catalogs.

``python -m compression_survey.build`` builds ``_build/html/en`` and
``_build/html/zh_CN`` with ``-n -W --keep-going`` (any warning fails) and
writes ``_build/html/index.html``, a page to choose the language.
``python -m compression_survey.build gettext`` extracts the English
messages and updates ``docs/locale/zh_CN`` with sphinx-intl, for translators.
``pdf``, ``epub`` and ``offline-zip`` build the offline formats (see
:mod:`compression_survey.offline`).
Exit status is non-zero on any failure.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from . import PROJECT_ROOT, offline
from .catalogs import catalog_problems
from .sphinxext import SITE_LANGUAGES
from .taxonomy import load_taxonomy
from .terminology import load_terminology, terminology_problems

STRICT = ["-n", "-W", "--keep-going"]


def sphinx(builder: str, outdir: Path, *extra: str, root: Path = PROJECT_ROOT) -> int:
    """Run ``sphinx-build`` strictly on the project; returns its exit status."""
    command = [sys.executable, "-m", "sphinx", "-b", builder, *STRICT, *extra, str(root), str(outdir)]
    print("+", " ".join(command), flush=True)
    return subprocess.call(command, cwd=root)


def write_language_chooser(html_root: Path) -> Path:
    """Write ``index.html`` in ``html_root`` linking to each language's home page; returns its path."""
    links = "\n".join(
        f'    <li><a href="{code}/docs/index.html" hreflang="{code.replace("_", "-")}" '
        f'lang="{code.replace("_", "-")}">{label}</a></li>'
        for code, label in SITE_LANGUAGES.items()
    )
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Model Compression Survey · 模型压缩综述</title>
  <style>body{{font-family:sans-serif;max-width:32rem;margin:4rem auto;line-height:1.6}}a{{font-size:1.3rem}}</style>
</head>
<body>
  <h1>Model Compression Survey<br><span lang="zh-CN">模型压缩综述</span></h1>
  <p>Choose a language · <span lang="zh-CN">选择语言</span></p>
  <ul>
{links}
  </ul>
</body>
</html>
"""
    html_root.mkdir(parents=True, exist_ok=True)
    path = html_root / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


def drop_template_messages(pot_dir: Path) -> None:
    """Remove ``sphinx.pot``, the themes' interface strings that the gettext builder extracts from templates.

    They are translated by the project's theme catalogs
    (``src/compression_survey/locale``, see :mod:`compression_survey.site`),
    not by the page catalogs of ``docs/locale`` that translators maintain.
    """
    (pot_dir / "sphinx.pot").unlink(missing_ok=True)


def check_catalogs(build_root: Path) -> list[str]:
    """Extract the English messages into ``build_root/gettext`` and compare them with the Chinese catalogs.

    Returns one line per problem: incomplete catalogs (see
    :func:`catalog_problems`) and translations that do not use the standard
    Chinese term of ``terminology.yaml`` (see :func:`terminology_problems`).
    """
    pot_dir = build_root / "gettext"
    if sphinx("gettext", pot_dir) != 0:
        return ["gettext build failed"]
    drop_template_messages(pot_dir)
    po_dir = PROJECT_ROOT / "docs" / "locale" / "zh_CN" / "LC_MESSAGES"
    taxonomy = load_taxonomy(PROJECT_ROOT / "taxonomy.yaml")
    terminology = load_terminology(PROJECT_ROOT / "terminology.yaml", taxonomy)
    return catalog_problems(pot_dir, po_dir) + terminology_problems(po_dir, terminology)


def check_catalogs_or_report(build_root: Path) -> bool:
    """True when the Chinese catalogs are complete; otherwise prints the problems and returns False."""
    problems = check_catalogs(build_root)
    if problems:
        print("The Chinese catalogs are not complete:", *problems, sep="\n  ", file=sys.stderr)
        print("Run `python -m compression_survey.build gettext`, translate, and build again.", file=sys.stderr)
        return False
    return True


def build_html(build_root: Path) -> int:
    """Build both languages under ``build_root/html``; returns 0 on success.

    A PDF or EPUB already built under ``build_root/pdf`` or ``build_root/epub``
    is copied beside the HTML of its language and linked from its home page.
    """
    if not check_catalogs_or_report(build_root):
        return 1
    status = 0
    for code in SITE_LANGUAGES:
        # doctrees outside the published tree, one folder per language
        status |= sphinx("html", build_root / "html" / code, "-D", f"language={code}", "-d", str(build_root / "doctrees" / code))
    if status == 0:
        write_language_chooser(build_root / "html")
        print(f"Site written to {build_root / 'html' / 'index.html'}")
    return status


def update_catalogs(build_root: Path, only: list[str] | None = None) -> int:
    """Extract messages and merge them into ``docs/locale/zh_CN`` (new messages arrive untranslated).

    ``only`` limits the update to these documents (docnames such as
    ``docs/chapters/pruning``), so that translators working on different
    pages do not rewrite each other's catalogs.  Returns 0 on success, 1
    when a named document has no messages (unknown docname) or a step fails.
    """
    pot_dir = build_root / "gettext"
    if sphinx("gettext", pot_dir) != 0:
        return 1
    drop_template_messages(pot_dir)
    if only:
        selected = build_root / "gettext-selected"
        shutil.rmtree(selected, ignore_errors=True)
        for docname in only:
            pot = pot_dir / f"{docname.removesuffix('.md')}.pot"
            if not pot.exists():
                print(f"{docname}: no message template {pot} (unknown document?)", file=sys.stderr)
                return 1
            target = selected / pot.relative_to(pot_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(pot, target)
        pot_dir = selected
    return subprocess.call(
        [sys.executable, "-m", "sphinx_intl", "update", "-p", str(pot_dir), "-l", "zh_CN", "-d", "docs/locale"],
        cwd=PROJECT_ROOT,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m compression_survey.build", description=__doc__.splitlines()[0])
    parser.add_argument("target", nargs="?", default="html", choices=["html", "gettext", "pdf", "epub", "offline-zip"])
    parser.add_argument("--build-dir", type=Path, default=PROJECT_ROOT / "_build")
    parser.add_argument("--only", nargs="+", metavar="DOCNAME",
                        help="gettext: update only these documents' catalogs (e.g. docs/chapters/pruning)")
    parser.add_argument("--language", choices=list(SITE_LANGUAGES), action="append",
                        help="pdf, epub: build only this language (repeatable)")
    parser.add_argument("--no-downloads", action="store_true",
                        help="offline-zip: do not build the PDF and EPUB first (those already built are still included)")
    args = parser.parse_args(argv)
    languages = tuple(args.language or SITE_LANGUAGES)
    if args.target == "pdf":
        return offline.build_pdf(args.build_dir, languages)
    if args.target == "epub":
        return offline.build_epub(args.build_dir, languages)
    if args.target == "offline-zip":
        return offline.build_offline_zip(args.build_dir, with_downloads=not args.no_downloads)
    if args.target == "gettext":
        return update_catalogs(args.build_dir, args.only)
    return build_html(args.build_dir)


if __name__ == "__main__":
    raise SystemExit(main())

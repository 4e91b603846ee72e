"""The real BibTeX toolchain accepts references.bib: bibtex with plainnat (no warnings) and biber (no errors)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

PLAINNAT = r"""\documentclass{article}
\usepackage[numbers]{natbib}
\usepackage{url}
\begin{document}
\nocite{*}
\bibliographystyle{plainnat}
\bibliography{references}
\end{document}
"""

BIBLATEX = r"""\documentclass{article}
\usepackage[backend=biber]{biblatex}
\addbibresource{references.bib}
\begin{document}
\nocite{*}
\printbibliography
\end{document}
"""


def run(tmp_path, *command):
    tool = shutil.which(command[0])
    assert tool, f"{command[0]} is not installed (scripts/install-system-deps.sh installs it)"
    return subprocess.run([tool, *command[1:]], cwd=tmp_path, capture_output=True, text=True, timeout=300)


@pytest.fixture
def workdir(tmp_path, root):
    shutil.copy(root / "references.bib", tmp_path / "references.bib")
    return tmp_path


def process(workdir, document: str, tool: str):
    """Write ``doc.tex``, run pdflatex once, then ``tool`` (bibtex or biber) on it; returns the tool's result."""
    (workdir / "doc.tex").write_text(document)
    run(workdir, "pdflatex", "-interaction=nonstopmode", "doc.tex")
    result = run(workdir, tool, "doc")
    assert result.returncode == 0, result.stdout
    return result


def test_bibtex_plainnat_has_no_errors_or_warnings(workdir):
    result = process(workdir, PLAINNAT, "bibtex")
    assert "Warning--" not in result.stdout, result.stdout
    assert "error message" not in result.stdout, result.stdout
    assert (workdir / "doc.bbl").read_text().count(r"\bibitem") > 150


def test_biber_has_no_errors(workdir):
    result = process(workdir, BIBLATEX, "biber")
    assert "ERROR" not in result.stdout, result.stdout

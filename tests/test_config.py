"""Build configuration: Read the Docs file, and a bad bibliography stopping the Sphinx build."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest


def check_rtd(path):
    tool = shutil.which("check-jsonschema")
    assert tool, "check-jsonschema is not installed (pip install -e .[test])"
    return subprocess.run([tool, "--builtin-schema", "vendor.readthedocs", str(path)], capture_output=True, text=True)


def test_readthedocs_config_is_valid(root):
    result = check_rtd(root / ".readthedocs.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_readthedocs_schema_check_rejects_a_broken_file(tmp_path, root):
    broken = tmp_path / ".readthedocs.yaml"
    broken.write_text((root / ".readthedocs.yaml").read_text().replace("version: 2", "version: 7"))
    assert check_rtd(broken).returncode != 0


@pytest.fixture
def tiny_site(write_tiny_site):
    """A one-page site using the project's extension, the real taxonomy, and a bibliography the test writes."""
    site = write_tiny_site()
    (site / "index.rst").write_text("Test\n====\n\n.. taxonomy-bibliography::\n")
    return site




ENTRY = """@misc{gale2019state,
  author   = {Gale, Trevor and Elsen, Erich and Hooker, Sara},
  title    = {The State of Sparsity in Deep Neural Networks},
  year     = {2019},
  url      = {https://arxiv.org/abs/1902.09574},
  keywords = {%s},
}
"""


def test_valid_bibliography_builds(build, tiny_site):
    (tiny_site / "references.bib").write_text(ENTRY % "pruning.unstructured")
    result = build(tiny_site)
    assert result.returncode == 0, result.stderr
    assert "the state of sparsity" in (tiny_site / "_out" / "index.html").read_text().lower()


def test_unknown_taxonomy_id_stops_the_build_naming_file_line_and_key(build, tiny_site):
    (tiny_site / "references.bib").write_text("\n" + ENTRY % "pruning.magic")
    result = build(tiny_site)
    assert result.returncode != 0
    assert "references.bib:2: [gale2019state] unknown taxonomy id 'pruning.magic'" in result.stderr


def test_bad_terminology_stops_the_build_naming_file_line_and_term(build, tiny_site):
    (tiny_site / "references.bib").write_text(ENTRY % "pruning.unstructured")
    path = tiny_site / "terminology.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("group: general", "group: nowhere", 1), encoding="utf-8")
    result = build(tiny_site)
    assert result.returncode != 0
    assert re.search(r"terminology\.yaml:\d+: \[model compression\] unknown group 'nowhere'", result.stderr), result.stderr


def debian_packages(root) -> dict[str, str]:
    """``scripts/debian-packages.txt`` as {package: need}, need being ``build`` or ``test``."""
    packages = {}
    for number, line in enumerate((root / "scripts" / "debian-packages.txt").read_text().splitlines(), 1):
        fields = line.split("#", 1)[0].split()
        if fields:
            assert len(fields) == 2 and fields[1] in {"build", "test"}, f"debian-packages.txt:{number}: {line!r}"
            packages[fields[0]] = fields[1]
    return packages


def test_read_the_docs_installs_exactly_the_build_packages(root):
    import yaml

    config = yaml.safe_load((root / ".readthedocs.yaml").read_text())
    wanted = sorted(p for p, need in debian_packages(root).items() if need == "build")
    assert sorted(config["build"]["apt_packages"]) == wanted


def test_install_script_reads_the_package_list(root, tmp_path):
    """The install script installs every listed package: run it with dpkg-query and apt-get stubbed."""
    (tmp_path / "dpkg-query").write_text("#!/bin/sh\nexit 1\n")
    (tmp_path / "apt-get").write_text("#!/bin/sh\necho \"$@\" >> \"$LOG\"\n")
    (tmp_path / "sudo").write_text("#!/bin/sh\nexec \"$@\"\n")
    for tool in ("dpkg-query", "apt-get", "sudo"):
        (tmp_path / tool).chmod(0o755)
    log = tmp_path / "apt.log"
    env = {"PATH": f"{tmp_path}:/usr/bin:/bin", "LOG": str(log)}
    subprocess.run(["bash", str(root / "scripts" / "install-system-deps.sh")], env=env, check=True, capture_output=True)
    installed = [word for word in log.read_text().splitlines()[-1].split() if not word.startswith("-")]
    assert installed[0] == "install"
    assert sorted(installed[1:]) == sorted(debian_packages(root))


def test_read_the_docs_installs_the_cpu_build_of_torch(root):
    import yaml

    config = yaml.safe_load((root / ".readthedocs.yaml").read_text())
    steps = " ".join(config["build"]["jobs"]["post_create_environment"])
    assert "torch==2.13.0" in steps and "/whl/cpu" in steps

"""The package as users install it: one import namespace, `rrf`, and layers that hold.

A wheel is built from this tree once per session and installed with `pip` into a fresh
virtual environment; `lint-imports` (import-linter) then checks the contracts of
pyproject.toml ([tool.importlinter]) on that installed copy.
"""

import os
import shutil
import subprocess
import sys
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
FOLDERS = {"rrf": "rrf", "rules": "rrf/rules", "models": "rrf/models", "notifications": "rrf/notifications",
           "importers": "rrf/importers", "services": "rrf/services", "flows": "rrf/flows", "cli": "rrf/cli"}


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    """The wheel `pip` builds from this tree (no network: the build tools are test dependencies)."""
    out = tmp_path_factory.mktemp("wheel")
    build = tmp_path_factory.mktemp("src") / "rrf"
    shutil.copytree(ROOT, build, ignore=shutil.ignore_patterns(".venv", ".git", "build", "*.egg-info", "__pycache__",
                                                                ".pytest_cache", "*.db"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
                    str(build)], check=True, capture_output=True)
    [found] = out.glob("rrf-*.whl")
    return found


@pytest.fixture(scope="session")
def site(wheel, tmp_path_factory) -> Path:
    """The site-packages of a fresh virtual environment after `pip install` of the wheel."""
    env = tmp_path_factory.mktemp("venv")
    venv.create(env, with_pip=False)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(env / "bin" / "python"), "install", "--no-deps",
                    "-q", str(wheel)], check=True, capture_output=True)
    [packages] = env.glob("lib/python*/site-packages")
    return packages


def test_the_wheel_holds_one_package_rrf(wheel):
    """It holds `rrf` and its metadata, and the shipped plan and example as data files: nothing else."""
    names = zipfile.ZipFile(wheel).namelist()
    version = wheel.name.split("-")[1]
    assert {n.split("/")[0] for n in names} == {"rrf", f"rrf-{version}.dist-info", f"rrf-{version}.data"}
    assert sorted(n for n in names if n.startswith(f"rrf-{version}.data/")) == [
        f"rrf-{version}.data/data/share/rrf/examples/seed-progress.csv",
        f"rrf-{version}.data/data/share/rrf/milestones.tests.toml",
        f"rrf-{version}.data/data/share/rrf/milestones.toml",
    ]


def test_every_module_and_resource_of_the_tree_is_in_the_wheel(wheel):
    """It carries every Python module of the design's folders under rrf/, the migrations'
    template, the digest templates and the compiled message catalogues."""
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder, package in FOLDERS.items():
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in {".py", ".j2", ".mo", ".mako"} and "__pycache__" not in path.parts:
                inside = path.relative_to(ROOT / folder).as_posix()
                assert f"{package}/{inside}" in names, f"{folder}/{inside} is missing from the wheel"
    assert any(n.endswith(".mo") for n in names) and any(n.endswith(".j2") for n in names)


def test_pip_install_puts_exactly_one_top_level_package_into_site_packages(site):
    """It leaves `rrf` and its dist-info in site-packages, and no generic name such as `rules`."""
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert sorted(p.name for p in site.iterdir()) == ["rrf", f"rrf-{version}.dist-info"]


def test_the_installed_copy_runs(site, tmp_path):
    """It checks the shipped plan from the installed files (migrations, templates and catalogues
    included): a whole logged check on a new database, its digests and institution reports."""
    env = {**os.environ, "PYTHONPATH": str(site), "RRF_REPORTS_DIR": str(tmp_path / "rrf-reports")}
    done = subprocess.run([sys.executable, "-c", "import rrf.rules, sys; print(rrf.rules.__file__)"],
                          env=env, capture_output=True, text=True, check=True, cwd=tmp_path)
    assert done.stdout.startswith(str(site))
    done = subprocess.run([sys.executable, "-m", "rrf", "check", "--direct", "--as-of", "2026-09-15", "--format",
                           "json", "--plan", str(ROOT / "milestones.toml"), "--db", f"sqlite:///{tmp_path / 'x.db'}"],
                          env=env, capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert '"missed"' in done.stdout and "Labdien" in done.stdout
    assert list((tmp_path / "rrf-reports" / "2026-09-15").glob("*.lv.html")), "no institution report written"


def lint_imports(site: Path) -> subprocess.CompletedProcess:
    """`lint-imports` on the copy in `site` (run elsewhere than the checkout, whose folders would shadow it)."""
    return subprocess.run([str(BIN / "lint-imports"), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
                          env={**os.environ, "PYTHONPATH": str(site)}, capture_output=True, text=True, cwd=site)


def test_the_layers_hold(site):
    """It keeps every import-linter contract: rules import nothing of ours, models only rules,
    notifications no models, services above them, and the CLI and the flows never import each other."""
    done = lint_imports(site)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 2 kept, 0 broken." in done.stdout


@pytest.mark.parametrize("module, statement", [
    ("rrf/rules/_probe.py", "import rrf.models.db"),
    ("rrf/rules/_probe.py", "import rrf.settings"),
    ("rrf/models/_probe.py", "import rrf.services.check"),
    ("rrf/notifications/_probe.py", "import rrf.models.tables"),
    ("rrf/cli/_probe.py", "import rrf.flows.compliance"),
    ("rrf/flows/_probe.py", "import rrf.cli.common"),
    ("rrf/services/_probe.py", "import rrf.flows.runner"),
])
def test_an_import_against_the_layers_is_caught(site, tmp_path, module, statement):
    """It fails the check when one module imports across the layers the wrong way."""
    copy = tmp_path / "site"
    shutil.copytree(site / "rrf", copy / "rrf")
    (copy / module).write_text(statement + "\n", encoding="utf-8")
    done = lint_imports(copy)
    assert done.returncode != 0 and "BROKEN" in done.stdout.upper(), done.stdout

"""The installed package: one `rackplan` namespace at the top of site-packages."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_installs_only_the_rackplan_namespace(tmp_path):
    """Tests that the wheel holds `rackplan/...` and its metadata, nothing else at the top, and
    that it imports and runs as `rackplan.cli` from an unrelated directory."""
    pytest.importorskip("setuptools")
    pytest.importorskip("wheel")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                            "--no-build-isolation", "-w", str(tmp_path / "dist"), str(ROOT)],
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("rackplan-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert tops == {"rackplan", wheel.name.split("-py")[0] + ".dist-info"}
    assert "rackplan/scheduler/cpsat/solve.py" in names and "rackplan/cli.py" in names
    assert not any(n.startswith(("rackplan/tests/", "rackplan/bench/")) for n in names)
    entry = zipfile.ZipFile(wheel).read(
        next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "rackplan = rackplan.cli:main" in entry
    # Unpacked on its own (no checkout on the path), it imports under rackplan.* only.
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    run = subprocess.run([sys.executable, "-c",
                          "import sys; sys.path.insert(0, sys.argv.pop(1)); import rackplan;"
                          "assert rackplan.__file__.startswith(sys.path[0]), rackplan.__file__;"
                          "from rackplan.cli import main; main()", str(site), "validate",
                          str(ROOT / "plans" / "tutorial.toml")],
                         capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "ok: 61 tasks" in run.stdout

"""The suite's `--dist loadgroup` keeps each `xdist_group` on one worker, with the pytest and
pytest-xdist installed here: the cluster and devnet tests in a group must never run side by side.
(pytest 9.2 stopped pytest-xdist 3.8 from grouping, silently: pytest-xdist#1386.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

_GROUPED = """
import os
import pytest

pytestmark = pytest.mark.xdist_group("together")


@pytest.mark.parametrize("n", range(4))
def test_grouped(n):
    with open(os.environ["WORKERS_FILE"], "a") as out:
        out.write(os.environ["PYTEST_XDIST_WORKER"] + "\\n")
"""

_ALONE = """
def test_alone():
    pass
"""


def test_loadgroup_runs_a_group_on_one_worker(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_one.py").write_text(_GROUPED)
    (tmp_path / "test_two.py").write_text(_GROUPED)
    (tmp_path / "test_three.py").write_text(_ALONE)
    workers = tmp_path / "workers.txt"
    pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    run = subprocess.run(
        [*pytest, "-n", "2", "--dist", "loadgroup", str(tmp_path)],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "WORKERS_FILE": str(workers)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    ran_on = workers.read_text().split()
    assert len(ran_on) == 8, ran_on
    assert len(set(ran_on)) == 1, f"one group on several workers: {ran_on}"

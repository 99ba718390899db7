"""Run the real `omniarb` command line in a subprocess, isolated from the user's devnet and env."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

RunCli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    """The environment without any OMNIARB_* variable, and a fresh empty OMNIARB_HOME."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNIARB_")}
    env["OMNIARB_HOME"] = str(tmp_path / "home")
    return env


@pytest.fixture
def run_cli(cli_env: dict[str, str]) -> RunCli:
    """`run_cli("doctor", "--json", env={"OMNIARB_API_TOKEN": "x"})` → the finished process."""

    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "omniarb", *args],
            env={**cli_env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    return run


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """In-process `main()` calls install a stderr handler on the root logger; take it away after."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)

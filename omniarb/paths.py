"""Where omni-arb finds its files: the source tree, npm packages, build outputs and its home."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["build_dir", "node_modules", "omniarb_home", "project_root"]


def project_root() -> Path:
    """The checkout that holds `pyproject.toml`, `node_modules/` and `build/` (editable install)."""
    return Path(__file__).resolve().parents[1]


def node_modules() -> Path:
    return project_root() / "node_modules"


def build_dir() -> Path:
    return project_root() / "build"


def omniarb_home() -> Path:
    """Per-user state: the devnet's cached deployments and the running devnet's record.

    `OMNIARB_HOME` overrides the default `~/.omniarb` (tests point it at a temporary folder).
    """
    configured = os.environ.get("OMNIARB_HOME")
    return Path(configured).expanduser() if configured else Path.home() / ".omniarb"

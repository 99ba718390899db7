"""Running the repo's Foundry project (foundry.toml) from the tests: forge from npm, the
solc shim in contracts/tools, offline. Shared by the forge suite and slither tests, which also
share one xdist worker: slither runs `forge clean`, which would pull the build from under a
concurrent `forge test`.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from omniarb.paths import node_modules, project_root

FORGE_BIN_DIR = node_modules() / "@foundry-rs" / "forge-linux-amd64" / "bin"
FORGE = FORGE_BIN_DIR / "forge"
# Generous: the cold compile (solc-js, ~30 files) is most of it; measured ~60 s in all.
RUN_TIMEOUT_S = 480


def run_tool(argv: list[str | Path]) -> subprocess.CompletedProcess[str]:
    """Run `argv` in the project root with forge first on PATH (slither's crytic-compile
    calls `forge` by name); never raises on a non-zero exit, the caller asserts on it."""
    assert FORGE.is_file(), f"forge not found at {FORGE}: run `make setup` (npm ci)"
    env = dict(os.environ, PATH=f"{FORGE_BIN_DIR}{os.pathsep}{os.environ.get('PATH', '')}")
    return subprocess.run(
        [str(arg) for arg in argv],
        cwd=project_root(),
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )


def tail(text: str, lines: int = 60) -> str:
    return "\n".join(text.splitlines()[-lines:])

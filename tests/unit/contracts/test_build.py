"""The contract build is reproducible: compiling again gives byte-identical artifacts."""

from __future__ import annotations

import json
from pathlib import Path

from omniarb.contracts import load_artifact
from omniarb.contracts.build import write_artifacts
from omniarb.paths import build_dir, project_root


def test_rebuild_matches_the_setup_build(tmp_path: Path) -> None:
    written = write_artifacts(tmp_path, project_root() / "contracts")
    assert written, "no contract was compiled"
    for path in written:
        setup_copy = build_dir() / "contracts" / path.name
        assert setup_copy.read_bytes() == path.read_bytes(), f"{path.name} differs from set-up's"


def test_artifact_loads_with_bytecode() -> None:
    token = load_artifact("DevToken")
    assert token.bytecode.startswith("0x60")
    names = {entry.get("name") for entry in token.abi}
    assert {"mint", "transfer", "transferFrom", "approve", "decimals"} <= names


def test_the_executor_fits_the_code_size_limit() -> None:
    # EIP-170: a contract's runtime code is at most 24,576 bytes, or its creation fails.
    artifact = build_dir() / "contracts" / "OmniArbExecutor.json"
    runtime = json.loads(artifact.read_text())["deployedBytecode"]
    assert 0 < len(bytes.fromhex(runtime.removeprefix("0x"))) <= 24_576

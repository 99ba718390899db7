"""Compiled contracts as values: ours from `build/contracts`, third-party ones from npm."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_utils.crypto import keccak

from omniarb.errors import FatalError
from omniarb.paths import build_dir, node_modules

__all__ = ["Artifact", "load_artifact", "load_npm_artifact"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Artifact:
    """A contract's name, ABI and creation bytecode (hex string with 0x)."""

    name: str
    abi: tuple[dict[str, Any], ...]
    bytecode: str
    source: Path

    @property
    def bytecode_bytes(self) -> bytes:
        return bytes.fromhex(self.bytecode.removeprefix("0x"))

    @property
    def creation_code_hash(self) -> str:
        """keccak256 of the creation code, 0x hex: for a pool contract, the init code hash with
        which its factory CREATE2-deploys every pool."""
        return "0x" + keccak(self.bytecode_bytes).hex()


def _read(path: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise FatalError(f"contract artifact {path} is missing; run `make setup`") from exc
    return data


def load_artifact(name: str, directory: Path | None = None) -> Artifact:
    """One of our contracts, compiled by `omniarb.contracts.build`."""
    path = (directory or build_dir() / "contracts") / f"{name}.json"
    data = _read(path)
    return Artifact(name=name, abi=tuple(data["abi"]), bytecode=data["bytecode"], source=path)


def load_npm_artifact(relative_path: str) -> Artifact:
    """A third-party artifact inside `node_modules`: Waffle (`bytecode` without 0x), Hardhat
    (`bytecode` with 0x), or Foundry (`bytecode.object`, as Uniswap V4's `out/` ships them).
    An artifact that needs libraries linked is refused: its bytecode is not deployable."""
    path = node_modules() / relative_path
    data = _read(path)
    bytecode = data.get("bytecode") or data.get("evm", {}).get("bytecode", {}).get("object", "")
    if isinstance(bytecode, dict):  # Foundry: {"object": "0x…", "linkReferences": {…}}
        if bytecode.get("linkReferences"):
            raise FatalError(f"artifact {path} needs libraries linked")
        bytecode = bytecode.get("object", "")
    if not bytecode:
        raise FatalError(f"artifact {path} has no bytecode")
    if not bytecode.startswith("0x"):
        bytecode = "0x" + bytecode
    name = data.get("contractName") or path.stem
    return Artifact(name=name, abi=tuple(data["abi"]), bytecode=bytecode, source=path)

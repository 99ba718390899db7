"""Saved deployments: one anvil state dump per chain, keyed by everything that shapes it.

The key hashes the bytecode artifacts (WETH9, each pool kind's from npm and those it builds at
set-up, the routers over several DEXes and Permit2's code, Balancer, Aave, Across's
SpokePools, ours (the canonical bridge's among them), the L2 fee oracles' stand-ins), the
anvil version, and the source
of the modules that decide what is deployed (catalog, long_tail, pricing, deploy, kinds,
lending, accounts, traps, tx_sender) or how the saved manifest is written (`omniarb.network`),
the scale (`[devnet] scale`) and whether the trap tokens are deployed (`[devnet] traps`).
Change any of them and the next start deploys afresh; otherwise a start loads the dump in
well under a second.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import subprocess
from dataclasses import asdict
from pathlib import Path
from types import ModuleType

from omniarb import network as manifest_format
from omniarb.chains.spec import ChainSpec
from omniarb.config import DevnetScale
from omniarb.contracts import load_artifact, load_npm_artifact
from omniarb.devnet import (
    accounts,
    balancer_pools,
    catalog,
    deploy,
    kinds,
    lending,
    long_tail,
    pricing,
    traps,
    tx_sender,
)
from omniarb.errors import DevnetError
from omniarb.network import ChainManifest

__all__ = ["DeploymentCache"]

_SHAPING_MODULES = (
    accounts,
    balancer_pools,
    catalog,
    deploy,
    kinds,
    lending,
    long_tail,
    # The saved manifest is written in this module's format: a field added to it (a token's
    # `bridged`) must not be served from a save that lacks it.
    manifest_format,
    pricing,
    traps,
    tx_sender,
)


def _anvil_version(binary: Path) -> str:
    try:
        done = subprocess.run(
            [str(binary), "--version"], capture_output=True, text=True, check=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise DevnetError(f"cannot run {binary} --version: {exc}") from exc
    return done.stdout.strip()


def cache_key(
    chain: ChainSpec, anvil: Path, scale: DevnetScale = "default", *, traps: bool = False
) -> str:
    digest = hashlib.sha256()
    digest.update(f"{chain.chain_id}:{chain.name}:{scale}:{'traps' if traps else ''}".encode())
    digest.update(_anvil_version(anvil).encode())
    artifact_paths = [
        *deploy.ARTIFACT_PATHS.values(),
        *deploy.ACROSS_ARTIFACT_PATHS.values(),
        *lending.LENDING_ARTIFACT_PATHS.values(),
    ]
    for path in sorted(artifact_paths):
        digest.update(load_npm_artifact(path).bytecode.encode())
    for name in ("DevToken", deploy.CANONICAL_BRIDGE_CONTRACT, *deploy.TRAP_CONTRACTS):
        digest.update(load_artifact(name).bytecode.encode())
    digest.update(deploy.permit2_runtime_code().encode())
    for name in deploy.L2_FEE_CONTRACTS.values():
        digest.update(load_artifact(name).bytecode.encode())
    for kind in kinds.DEVNET_KINDS.values():
        for artifact in kind.compiled_artifacts():
            digest.update(artifact.bytecode.encode())
    for module in _SHAPING_MODULES:
        for source in _source_files(module):
            digest.update(source.read_bytes())
    return digest.hexdigest()[:20]


def _source_files(module: ModuleType) -> list[Path]:
    """The module's file, or every module of a package: a change in any of them shapes the
    deployment."""
    if module.__file__ is None:
        return []
    source = Path(module.__file__)
    return sorted(source.parent.glob("*.py")) if hasattr(module, "__path__") else [source]


class DeploymentCache:
    """A folder of `<chain>-<key>.state.json` (anvil state) and `.manifest.json` pairs
    (`<chain>-large-<key>` at scale "large", `-traps` added with the trap tokens)."""

    def __init__(
        self, directory: Path, anvil: Path, scale: DevnetScale = "default", *, traps: bool = False
    ) -> None:
        self.directory = directory
        self.anvil = anvil
        self.scale: DevnetScale = scale
        self.traps = traps

    def paths(self, chain: ChainSpec) -> tuple[Path, Path]:
        key = cache_key(chain, self.anvil, self.scale, traps=self.traps)
        name = chain.name if self.scale == "default" else f"{chain.name}-{self.scale}"
        if self.traps:
            name += "-traps"
        stem = f"{name}-{key}"
        return self.directory / f"{stem}.state.json", self.directory / f"{stem}.manifest.json"

    def load(self, chain: ChainSpec) -> tuple[Path, ChainManifest] | None:
        state, manifest = self.paths(chain)
        if not (state.exists() and manifest.exists()):
            return None
        try:
            return state, ChainManifest.from_dict(json.loads(manifest.read_text()))
        except (ValueError, KeyError, TypeError):
            return None

    def discard(self, chain: ChainSpec) -> None:
        for path in self.paths(chain):
            path.unlink(missing_ok=True)

    def save(self, chain: ChainSpec, dump_hex: str, manifest: ChainManifest) -> Path:
        """Store anvil's `anvil_dumpState` answer (gzip, hex) as the JSON `--load-state` reads."""
        state, manifest_path = self.paths(chain)
        self.directory.mkdir(parents=True, exist_ok=True)
        raw = bytes.fromhex(dump_hex.removeprefix("0x"))
        state_json = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
        for path, content in (
            (state, state_json),
            (manifest_path, json.dumps(asdict(manifest), indent=1).encode()),
        ):
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(content)
            tmp.replace(path)
        return state

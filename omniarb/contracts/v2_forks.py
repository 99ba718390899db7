"""Compile the devnet's two Uniswap V2 forks from their published sources into `build/v2-forks`.

Run at set-up by the Makefile (`python -m omniarb.contracts.v2_forks --out build/v2-forks`), with
the solc-js versions the sources pin, taken from npm (package aliases `solc-0.5.16`,
`solc-0.6.6`, `solc-0.6.12`):

- **SushiSwap V2** (`SushiSwapV2Factory`, `SushiSwapV2Pair`, `SushiSwapV2Router02`): npm
  `@sushiswap/core` 1.4.2, `contracts/uniswapv2/`, pragma `=0.6.12`. One change: the init code
  hash in `UniswapV2Library.pairFor` becomes the hash of the pair compiled here. The published
  constant is mainnet's, the hash of a compilation whose metadata (source paths, settings) the
  package does not record, so no router compiled from it would find our pairs.
- **A 25 bps fork of Uniswap V2, as PancakeSwap V2 is** (`UniswapV2Bps25Factory`,
  `UniswapV2Bps25Pair`, `UniswapV2Bps25Router02`): `@uniswap/v2-core` 1.0.1 (`=0.5.16`) with
  `UniswapV2Pair.swap`'s constant-product check at 25/10000 instead of 3/1000 (PancakePair's
  `balance0.mul(10000).sub(amount0In.mul(25))` and `10000**2`), and `@uniswap/v2-periphery`
  1.1.0-beta.0's Router02 (`=0.6.6`) with `UniswapV2Library` at 9975/10000 (PancakeLibrary's
  `getAmountOut`/`getAmountIn`) and the fork pair's init code hash.

Sources are read from `node_modules` and changed here by text substitution, each pattern
asserted to occur exactly once, so no modified copy of third-party code is committed. Every fork
is compiled with Uniswap's published settings (optimizer on, 999,999 runs, `istanbul`). Each
artifact records its compiler, settings and the substitutions made; a pair's records
`initCodeHash` (keccak256 of its creation code, what its factory's CREATE2 uses) and `feePips`.
The build is deterministic: a test rebuilds into a temporary folder and compares.
"""

from __future__ import annotations

import argparse
import json
import logging
import posixpath
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_utils.crypto import keccak

from omniarb.chains.spec import UNISWAP_V2_INIT_CODE_HASH as SPEC_UNISWAP_V2_INIT_CODE_HASH
from omniarb.contracts._artifacts import Artifact, load_artifact
from omniarb.contracts.build import run_solc
from omniarb.errors import FatalError
from omniarb.paths import build_dir, node_modules

__all__ = [
    "BPS25",
    "FORKS",
    "SETTINGS",
    "SUSHISWAP",
    "UNISWAP_V2_INIT_CODE_HASH",
    "Patch",
    "V2Fork",
    "apply_patches",
    "fork_artifact",
    "main",
    "read_sources",
    "write_fork_artifacts",
]

log = logging.getLogger(__name__)

# keccak256 of v2-core 1.0.1's UniswapV2Pair creation code, as v2-periphery's
# UniswapV2Library.pairFor writes it (hex, no 0x).
UNISWAP_V2_INIT_CODE_HASH = SPEC_UNISWAP_V2_INIT_CODE_HASH.removeprefix("0x")
# SushiSwap's mainnet constant, as published in @sushiswap/core's UniswapV2Library.pairFor.
_SUSHISWAP_MAINNET_INIT_CODE_HASH = (
    "e18a34eb0e04b04f7a0ac29a6e80748dca96319b42c54d679cb821dca90c6303"
)
# Uniswap's v2-core and v2-periphery build settings (their .waffle.json), used for every fork.
SETTINGS: dict[str, Any] = {
    "optimizer": {"enabled": True, "runs": 999_999},
    "evmVersion": "istanbul",
    "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]}},
}
# Stands for the fork pair's init code hash in a router patch, filled in once the pair is built.
_PAIR_HASH = "{pair_init_code_hash}"
_IMPORT = re.compile(r"""^\s*import\s+(?:[^'"]*\bfrom\s+)?['"]([^'"]+)['"]""", re.MULTILINE)


@dataclass(frozen=True, slots=True, kw_only=True)
class Patch:
    """Replace `old` by `new` in source unit `source`; `old` must occur exactly once."""

    source: str
    old: str
    new: str


@dataclass(frozen=True, slots=True, kw_only=True)
class _Unit:
    """One compilation: the solc-js package, the entry sources, the changes, what to keep."""

    solc: str
    entries: tuple[str, ...]
    patches: tuple[Patch, ...]
    # contract name in the sources -> artifact name
    contracts: dict[str, str]


@dataclass(frozen=True, slots=True, kw_only=True)
class V2Fork:
    """A V2 fork compiled here: the artifact names of its three contracts and its fee."""

    prefix: str
    fee_pips: int
    core: _Unit
    periphery: _Unit

    @property
    def factory(self) -> str:
        return f"{self.prefix}Factory"

    @property
    def pair(self) -> str:
        return f"{self.prefix}Pair"

    @property
    def router(self) -> str:
        return f"{self.prefix}Router02"


_SUSHI = "@sushiswap/core/contracts/uniswapv2"
_V2_CORE = "@uniswap/v2-core/contracts"
_V2_PERIPHERY = "@uniswap/v2-periphery/contracts"

SUSHISWAP = V2Fork(
    prefix="SushiSwapV2",
    fee_pips=3000,
    core=_Unit(
        solc="solc-0.6.12",
        entries=(f"{_SUSHI}/UniswapV2Factory.sol",),
        patches=(),
        contracts={"UniswapV2Factory": "SushiSwapV2Factory", "UniswapV2Pair": "SushiSwapV2Pair"},
    ),
    periphery=_Unit(
        solc="solc-0.6.12",
        entries=(f"{_SUSHI}/UniswapV2Router02.sol",),
        patches=(
            Patch(
                source=f"{_SUSHI}/libraries/UniswapV2Library.sol",
                old=f"hex'{_SUSHISWAP_MAINNET_INIT_CODE_HASH}'",
                new=f"hex'{_PAIR_HASH}'",
            ),
        ),
        contracts={"UniswapV2Router02": "SushiSwapV2Router02"},
    ),
)

BPS25 = V2Fork(
    prefix="UniswapV2Bps25",
    fee_pips=2500,
    core=_Unit(
        solc="solc-0.5.16",
        entries=(f"{_V2_CORE}/UniswapV2Factory.sol",),
        patches=tuple(
            Patch(source=f"{_V2_CORE}/UniswapV2Pair.sol", old=old, new=new)
            for old, new in (
                (
                    "balance0.mul(1000).sub(amount0In.mul(3))",
                    "balance0.mul(10000).sub(amount0In.mul(25))",
                ),
                (
                    "balance1.mul(1000).sub(amount1In.mul(3))",
                    "balance1.mul(10000).sub(amount1In.mul(25))",
                ),
                ("mul(_reserve1).mul(1000**2)", "mul(_reserve1).mul(10000**2)"),
            )
        ),
        contracts={
            "UniswapV2Factory": "UniswapV2Bps25Factory",
            "UniswapV2Pair": "UniswapV2Bps25Pair",
        },
    ),
    periphery=_Unit(
        solc="solc-0.6.6",
        entries=(f"{_V2_PERIPHERY}/UniswapV2Router02.sol",),
        patches=tuple(
            Patch(source=f"{_V2_PERIPHERY}/libraries/UniswapV2Library.sol", old=old, new=new)
            for old, new in (
                (f"hex'{UNISWAP_V2_INIT_CODE_HASH}'", f"hex'{_PAIR_HASH}'"),
                ("amountIn.mul(997)", "amountIn.mul(9975)"),
                (
                    "reserveIn.mul(1000).add(amountInWithFee)",
                    "reserveIn.mul(10000).add(amountInWithFee)",
                ),
                ("reserveIn.mul(amountOut).mul(1000)", "reserveIn.mul(amountOut).mul(10000)"),
                ("reserveOut.sub(amountOut).mul(997)", "reserveOut.sub(amountOut).mul(9975)"),
            )
        ),
        contracts={"UniswapV2Router02": "UniswapV2Bps25Router02"},
    ),
)

FORKS = (SUSHISWAP, BPS25)


def read_sources(entries: tuple[str, ...]) -> dict[str, str]:
    """The entry files and everything they import, by npm-relative unit name."""
    sources: dict[str, str] = {}
    todo = list(entries)
    while todo:
        name = todo.pop()
        if name in sources:
            continue
        path = node_modules() / name
        try:
            text = path.read_text()
        except FileNotFoundError as exc:
            raise FatalError(f"{path} is missing; run `make setup` (npm ci) first") from exc
        sources[name] = text
        for target in _IMPORT.findall(text):
            if target.startswith("."):
                target = posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
            todo.append(target)
    return sources


def apply_patches(sources: dict[str, str], patches: tuple[Patch, ...]) -> dict[str, str]:
    """`sources` with each patch applied; a pattern found other than exactly once is an error."""
    patched = dict(sources)
    for patch in patches:
        text = patched.get(patch.source)
        if text is None:
            raise FatalError(f"patch for {patch.source}: no such source")
        count = text.count(patch.old)
        if count != 1:
            raise FatalError(f"patch for {patch.source}: {patch.old!r} occurs {count} times")
        patched[patch.source] = text.replace(patch.old, patch.new)
    return patched


def _compile(unit: _Unit, pair_hash: str | None) -> dict[str, dict[str, Any]]:
    """Compile `unit`; return its artifacts by name."""
    patches = tuple(
        Patch(source=p.source, old=p.old, new=p.new.replace(_PAIR_HASH, pair_hash or _PAIR_HASH))
        for p in unit.patches
    )
    sources = apply_patches(read_sources(unit.entries), patches)
    version, output = run_solc(unit.solc, sources, SETTINGS)
    artifacts: dict[str, dict[str, Any]] = {}
    for source, contracts in sorted(output.get("contracts", {}).items()):
        for name, compiled in sorted(contracts.items()):
            if name not in unit.contracts:
                continue
            artifact_name = unit.contracts[name]
            if artifact_name in artifacts:
                raise FatalError(f"{name} is compiled from two sources in {unit.entries}")
            artifacts[artifact_name] = {
                "contractName": artifact_name,
                "sourceContractName": name,
                "sourceName": source,
                "compiler": f"solc-js {version}",
                "settings": SETTINGS,
                "patches": [{"source": p.source, "old": p.old, "new": p.new} for p in patches],
                "abi": compiled["abi"],
                "bytecode": "0x" + compiled["evm"]["bytecode"]["object"],
                "deployedBytecode": "0x" + compiled["evm"]["deployedBytecode"]["object"],
            }
    missing = set(unit.contracts.values()) - set(artifacts)
    if missing:
        raise FatalError(f"solc produced no {sorted(missing)} from {unit.entries}")
    return artifacts


def _build_fork(fork: V2Fork) -> dict[str, dict[str, Any]]:
    core = _compile(fork.core, None)
    pair = core[fork.pair]
    pair_hash = keccak(bytes.fromhex(pair["bytecode"].removeprefix("0x"))).hex()
    pair["initCodeHash"] = "0x" + pair_hash
    pair["feePips"] = fork.fee_pips
    return core | _compile(fork.periphery, pair_hash)


def write_fork_artifacts(out_dir: Path) -> list[Path]:
    """Compile every fork and write one JSON artifact per contract; return the written paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for fork in FORKS:
        for name, artifact in sorted(_build_fork(fork).items()):
            path = out_dir / f"{name}.json"
            path.write_text(json.dumps(artifact, indent=1, sort_keys=True) + "\n")
            written.append(path)
    return written


def fork_artifact(name: str, directory: Path | None = None) -> Artifact:
    """One contract of a fork (`SushiSwapV2Router02`, ...), as compiled at set-up."""
    return load_artifact(name, directory or build_dir() / "v2-forks")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=build_dir() / "v2-forks")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        written = write_fork_artifacts(args.out)
    except FatalError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    log.info("compiled %d V2 fork contracts into %s", len(written), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The V2 forks' build: reproducible, patched exactly where documented, and otherwise Uniswap's.

The behaviour of the deployed forks (fees, init code hashes reaching the pairs) is proven on
anvil by tests/integration/devnet/test_contracts_v2.py and tests/integration/dex.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eth_utils.crypto import keccak

from omniarb.contracts.build import run_solc
from omniarb.contracts.v2_forks import (
    FORKS,
    SETTINGS,
    UNISWAP_V2_INIT_CODE_HASH,
    Patch,
    apply_patches,
    fork_artifact,
    read_sources,
    write_fork_artifacts,
)
from omniarb.errors import FatalError
from omniarb.paths import build_dir, node_modules


def test_rebuild_matches_the_setup_build(tmp_path: Path) -> None:
    written = write_fork_artifacts(tmp_path)
    assert len(written) == 3 * len(FORKS)
    for path in written:
        setup_copy = build_dir() / "v2-forks" / path.name
        assert setup_copy.read_bytes() == path.read_bytes(), f"{path.name} differs from set-up's"


def test_each_router_hard_codes_its_own_pair_hash() -> None:
    hashes = set()
    for fork in FORKS:
        pair = fork_artifact(fork.pair)
        recorded = json.loads(pair.source.read_text())
        init_code_hash = keccak(pair.bytecode_bytes).hex()
        assert recorded["initCodeHash"] == "0x" + init_code_hash
        assert recorded["feePips"] == fork.fee_pips
        # pairFor's constant is a PUSH32 in the router's code; the factory embeds the pair.
        assert init_code_hash in fork_artifact(fork.router).bytecode
        assert UNISWAP_V2_INIT_CODE_HASH not in fork_artifact(fork.router).bytecode
        assert pair.bytecode.removeprefix("0x") in fork_artifact(fork.factory).bytecode
        hashes.add(init_code_hash)
    assert len(hashes) == len(FORKS)
    assert UNISWAP_V2_INIT_CODE_HASH not in hashes
    assert {fork.fee_pips for fork in FORKS} == {3000, 2500}


def test_25_bps_fork_records_its_fee_changes() -> None:
    bps25 = next(fork for fork in FORKS if fork.fee_pips == 2500)
    pair_patches = json.loads(fork_artifact(bps25.pair).source.read_text())["patches"]
    assert [p["new"] for p in pair_patches] == [
        "balance0.mul(10000).sub(amount0In.mul(25))",
        "balance1.mul(10000).sub(amount1In.mul(25))",
        "mul(_reserve1).mul(10000**2)",
    ]
    router_patches = json.loads(fork_artifact(bps25.router).source.read_text())["patches"]
    assert {p["new"] for p in router_patches} >= {
        "amountIn.mul(9975)",
        "reserveIn.mul(10000).add(amountInWithFee)",
        "reserveIn.mul(amountOut).mul(10000)",
        "reserveOut.sub(amountOut).mul(9975)",
    }


def _without_metadata(bytecode: str) -> bytes:
    """Runtime code without solc's CBOR metadata trailer (its length is the last two bytes)."""
    code = bytes.fromhex(bytecode.removeprefix("0x"))
    return code[: -(int.from_bytes(code[-2:], "big") + 2)]


@pytest.mark.parametrize(
    ("solc", "entry", "name", "published"),
    [
        (
            "solc-0.5.16",
            "@uniswap/v2-core/contracts/UniswapV2Factory.sol",
            "UniswapV2Pair",
            "@uniswap/v2-core/build/UniswapV2Pair.json",
        ),
        (
            "solc-0.6.6",
            "@uniswap/v2-periphery/contracts/UniswapV2Router02.sol",
            "UniswapV2Router02",
            "@uniswap/v2-periphery/build/UniswapV2Router02.json",
        ),
    ],
)
def test_unpatched_sources_compile_to_uniswaps_published_code(
    solc: str, entry: str, name: str, published: str
) -> None:
    """The pipeline and settings are Uniswap's: without the patches, the code is theirs (only the
    metadata hash differs, as it covers source paths), so a fork differs by its patches alone."""
    _, output = run_solc(solc, read_sources((entry,)), SETTINGS)
    (ours,) = [c[name] for c in output["contracts"].values() if name in c]
    theirs = json.loads((node_modules() / published).read_text())["evm"]["deployedBytecode"]
    assert _without_metadata(ours["evm"]["deployedBytecode"]["object"]) == _without_metadata(
        theirs["object"]
    )


def test_a_patch_must_match_exactly_once() -> None:
    sources = {"a.sol": "x = 1; y = 1;"}
    assert apply_patches(sources, (Patch(source="a.sol", old="x = 1", new="x = 2"),)) == {
        "a.sol": "x = 2; y = 1;"
    }
    with pytest.raises(FatalError, match="occurs 2 times"):
        apply_patches(sources, (Patch(source="a.sol", old="= 1", new="= 2"),))
    with pytest.raises(FatalError, match="occurs 0 times"):
        apply_patches(sources, (Patch(source="a.sol", old="z", new="w"),))
    with pytest.raises(FatalError, match="no such source"):
        apply_patches(sources, (Patch(source="b.sol", old="x", new="w"),))

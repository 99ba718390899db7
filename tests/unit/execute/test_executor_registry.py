"""What the executor's registry holds besides pool deployers, and the native coin's plan flags:
the Python side's constants are the contract's own."""

from __future__ import annotations

import re

from omniarb.execute.executor_calldata import WRAPPED_NATIVE_MARK, factory_registry
from omniarb.network import ChainManifest, DexEntry, TokenEntry
from omniarb.paths import project_root

_CONTRACTS = project_root() / "contracts" / "executor"
WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
V2_FACTORY = "0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f"
V2_HASH = "0x96e8ac4277198ff8b6f785478aa9a39f403cb768dd02cbee326c3e7da348845f"


def _constant(file: str, name: str) -> int:
    text = (_CONTRACTS / file).read_text()
    match = re.search(rf"constant {name} =\s*(0x[0-9a-fA-F]+|\d+);", text)
    assert match, name
    return int(match.group(1), 0)


def _chain(tokens: tuple[TokenEntry, ...]) -> ChainManifest:
    dex = DexEntry(
        name="uniswap-v2",
        kind="uniswap-v2",
        factory=V2_FACTORY,
        router="0x" + "11" * 20,
        fee_pips=3000,
        init_code_hash=V2_HASH,
    )
    return ChainManifest(
        chain_id=1,
        name="ethereum",
        rpc_http="http://localhost:1",
        rpc_ws="ws://localhost:1",
        tokens=tokens,
        dexes=(dex,),
        pools=(),
        deployer="",
        traders=(),
    )


def test_the_wrapped_native_token_is_registered_with_the_contract_s_mark() -> None:
    weth = TokenEntry(
        symbol="WETH", address=WETH, decimals=18, name="W", asset="ETH", wrapped_native=True
    )
    usdc = TokenEntry(symbol="USDC", address=USDC, decimals=6, name="U", asset="USD")
    registry = factory_registry(_chain((weth, usdc)))
    assert registry == {V2_FACTORY: bytes.fromhex(V2_HASH[2:]), WETH: WRAPPED_NATIVE_MARK}
    assert int.from_bytes(WRAPPED_NATIVE_MARK, "big") == _constant(
        "OmniArbExecutor.sol", "WRAPPED_NATIVE"
    )
    # A described chain without a wrapped native token registers its factories only.
    assert factory_registry(_chain((usdc,))) == {V2_FACTORY: bytes.fromhex(V2_HASH[2:])}


def test_the_native_coin_flags_are_the_contract_s() -> None:
    native_in = _constant("OmniArbExecutor.sol", "NATIVE_IN")
    native_out = _constant("OmniArbExecutor.sol", "NATIVE_OUT")
    assert native_in | native_out == _constant("PlanCalldata.sol", "NATIVE_FLAGS")
    # Neither is a kind bit nor the lender records' bit 7, which PlanCalldata keeps.
    assert (native_in | native_out) & (0x80 | 0x1F) == 0
    assert native_in != native_out
    source = (project_root() / "omniarb" / "execute" / "route_codec.py").read_text()
    assert f"_NATIVE_IN = {native_in:#x}" in source
    assert f"_NATIVE_OUT = {native_out:#x}" in source

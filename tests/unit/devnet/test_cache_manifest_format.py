"""The deployment cache keys its saves by the manifest format too: a save written before a
field existed (a token's `bridged`) is not served, and a save keeps every field."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import omniarb.network
from omniarb.chains.spec import CHAINS
from omniarb.devnet import cache
from omniarb.devnet.anvil import anvil_binary
from omniarb.network import ChainManifest, TokenEntry

_BNB = next(c for c in CHAINS if c.name == "bnb")


def test_the_manifest_format_shapes_the_key() -> None:
    hashed = {path for module in cache._SHAPING_MODULES for path in cache._source_files(module)}
    assert Path(omniarb.network.__file__) in hashed


def test_a_save_keeps_the_bridged_variants(tmp_path: Path) -> None:
    saves = cache.DeploymentCache(tmp_path, anvil_binary())
    usdc = TokenEntry(
        symbol="USDC",
        address="0x" + "11" * 20,
        decimals=18,
        name="Binance-Peg USD Coin",
        asset="USDC",
        bridged="binance-peg",
    )
    manifest = ChainManifest(
        chain_id=56, name="bnb", rpc_http="http://x", rpc_ws="ws://x", tokens=(usdc,),
        dexes=(), pools=(), deployer="0x" + "22" * 20, traders=(),
    )  # fmt: skip
    saves.save(_BNB, "0x7b7d", manifest)
    loaded = saves.load(_BNB)
    assert loaded is not None
    assert loaded[1] == manifest
    assert loaded[1].tokens[0].bridged == "binance-peg"
    assert replace(usdc, bridged=None) not in loaded[1].tokens

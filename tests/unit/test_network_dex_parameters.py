"""A DEX's fee, init code hash and pool deployer come from the network description, else from
the known deployment of that name and factory; anything the bot could not price exactly is
refused."""

from __future__ import annotations

from dataclasses import replace

import pytest

from omniarb.chains.spec import UNISWAP_V2_INIT_CODE_HASH, chain_by_name
from omniarb.dex.deployments import DexParameters, dex_parameters
from omniarb.errors import ConfigError
from omniarb.network import ChainManifest, DexEntry

DEVNET_FACTORY = "0x" + "fa" * 20


def _chain(name: str, *dexes: DexEntry) -> ChainManifest:
    spec = chain_by_name(name)
    return ChainManifest(
        chain_id=spec.chain_id,
        name=name,
        rpc_http="http://127.0.0.1:1",
        rpc_ws="ws://127.0.0.1:1",
        tokens=(),
        dexes=dexes,
        pools=(),
        deployer="",
        traders=(),
    )


def _known(chain: str, name: str) -> DexEntry:
    spec = chain_by_name(chain).dex(name)
    return DexEntry(name=name, kind=spec.kind.value, factory=spec.factory.lower(), router="0x1")


def test_the_description_s_own_parameters_win() -> None:
    dex = replace(
        _known("bnb", "pancakeswap-v2"),
        factory=DEVNET_FACTORY,
        fee_pips=3000,
        init_code_hash=UNISWAP_V2_INIT_CODE_HASH,
    )
    assert dex_parameters(_chain("bnb", dex), dex) == DexParameters(
        fee_bps=30, init_code_hash=UNISWAP_V2_INIT_CODE_HASH, pool_deployer=DEVNET_FACTORY
    )
    deployer = "0x" + "de" * 20
    pancake_v3 = replace(_known("bnb", "pancakeswap-v3"), pool_deployer=deployer)
    assert dex_parameters(_chain("bnb", pancake_v3), pancake_v3).pool_deployer == deployer


def test_a_known_deployment_gets_the_spec_s_parameters() -> None:
    pancake = _known("bnb", "pancakeswap-v2")
    assert dex_parameters(_chain("bnb", pancake), pancake) == DexParameters(
        fee_bps=25,
        init_code_hash="0x00fb7f630766e6a796048ea87d01acd3068e8ff67d078148a3fa3f4a84f69bd5",
        pool_deployer=pancake.factory,
    )
    v3 = _known("bnb", "uniswap-v3")
    assert dex_parameters(_chain("bnb", v3), v3).fee_bps is None
    # PancakeSwap V3's pools come from its separate pool deployer.
    pancake_v3 = _known("bnb", "pancakeswap-v3")
    assert dex_parameters(_chain("bnb", pancake_v3), pancake_v3) == DexParameters(
        fee_bps=None,
        init_code_hash="0x6ce8eb472fa82df5469c6ab6d485f17c3ad13c8cd7af59b3d4a8026c5ce0f7e2",
        pool_deployer="0x41ff9AA7e16B8B1a8a8dc4f0eFacd93D02d071c9",
    )


def test_a_known_name_at_another_factory_is_not_that_deployment() -> None:
    # The devnet's "sushiswap" runs Uniswap's pair bytecode: SushiSwap's hash would be wrong.
    impostor = replace(_known("ethereum", "sushiswap"), factory=DEVNET_FACTORY)
    with pytest.raises(ConfigError, match="give its fee_pips and init_code_hash"):
        dex_parameters(_chain("ethereum", impostor), impostor)


def test_pairs_with_their_own_fee_are_refused() -> None:
    biswap = _known("bnb", "biswap")
    with pytest.raises(ConfigError, match="stores a fee per pair"):
        dex_parameters(_chain("bnb", biswap), biswap)


def test_a_fee_that_is_no_whole_basis_point_is_refused() -> None:
    dex = replace(_known("ethereum", "uniswap-v2"), fee_pips=2550)
    with pytest.raises(ConfigError, match="not a whole number of basis points"):
        dex_parameters(_chain("ethereum", dex), dex)

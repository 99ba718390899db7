"""The live table's prices: grouped per protocol (the pool kind the manifest names), each pool
by its DEX, with its fee tier where the registry says the kind sets a fee per pool, or, for a
kind the registry does not trade, where one DEX shows several pools."""

from __future__ import annotations

from omniarb.cli._live import pool_kinds, prices_by_protocol
from omniarb.dex.registry import ADAPTERS
from omniarb.monitor.market_view import PoolPrice
from omniarb.network import ChainManifest, Manifest, PoolEntry


def _price(dex: str, pool: str, fee_pips: int, price_usd: float) -> PoolPrice:
    return PoolPrice(dex=dex, pool=pool, fee_pips=fee_pips, price_usd=price_usd)


def test_prices_are_grouped_per_protocol_with_fees_where_the_kind_has_them() -> None:
    per_pool = next(k for k, a in ADAPTERS.items() if a.fee_per_pool)
    per_dex = next(k for k, a in ADAPTERS.items() if not a.fee_per_pool)
    prices = [
        _price("dex-a", "0xA1", 3000, 3001.5),
        _price("dex-b", "0xB1", 500, 2999.25),
        _price("dex-b", "0xB2", 3000, 3000.0),
        _price("dex-c", "0xC1", 3000, 3002.0),
        _price("new-amm", "0xD1", 100, 3003.0),
        _price("new-amm", "0xD2", 2500, 3004.0),
        _price("solo-amm", "0xE1", 4000, 3005.0),
    ]
    kinds = {
        "0xa1": per_dex,
        "0xb1": per_pool,
        "0xb2": per_pool,
        "0xc1": per_dex,
        "0xd1": "kind-nobody-trades",
        "0xd2": "kind-nobody-trades",
        "0xe1": "another-untraded-kind",
    }
    assert prices_by_protocol(prices, kinds) == (
        f"{per_dex}: dex-a 3,001.50, dex-c 3,002.00"
        f" | {per_pool}: dex-b 0.05% 2,999.25, dex-b 0.3% 3,000.00"
        " | kind-nobody-trades: new-amm 0.01% 3,003.00, new-amm 0.25% 3,004.00"
        " | another-untraded-kind: solo-amm 3,005.00"
    )


def test_a_pool_missing_from_the_manifest_is_shown_under_an_unknown_protocol() -> None:
    assert prices_by_protocol([_price("dex", "0xF", 3000, 0.4)], {}) == "?: dex 0.4000"
    assert prices_by_protocol([], {}) == "-"


def test_pool_kinds_come_from_the_manifest() -> None:
    pool = PoolEntry(
        address="0xAbC0000000000000000000000000000000000001",
        dex="some-dex",
        kind="some-kind",
        token0="0x01",
        token1="0x02",
        fee=3000,
        symbol0="A",
        symbol1="B",
        tick_spacing=None,
    )
    chain = ChainManifest(
        chain_id=1,
        name="ethereum",
        rpc_http="",
        rpc_ws="",
        tokens=(),
        dexes=(),
        pools=(pool,),
        deployer="0x00",
        traders=(),
        lenders=(),
    )
    assert pool_kinds(Manifest(chains=(chain,))) == {pool.address.lower(): "some-kind"}

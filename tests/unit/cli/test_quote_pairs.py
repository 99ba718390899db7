"""`omniarb quote`'s reading of a line that names a pool of more than two tokens (a Balancer
pool: one manifest entry per pair, all with its address): `token_out` picks the pair, and is
required where `token_in` alone leaves two."""

from __future__ import annotations

import json

import pytest

from omniarb.cli.quote_cmd import QuoteLineError, parse_request
from omniarb.network import ChainManifest, Manifest, PoolEntry, TokenEntry

USDC = TokenEntry(symbol="USDC", address="0x" + "11" * 20, decimals=6, name="U", asset="USDC")
USDT = TokenEntry(symbol="USDT", address="0x" + "22" * 20, decimals=6, name="T", asset="USDT")
DAI = TokenEntry(symbol="DAI", address="0x" + "33" * 20, decimals=18, name="D", asset="DAI")
POOL = "0x" + "44" * 20


def _pair(a: TokenEntry, b: TokenEntry) -> PoolEntry:
    return PoolEntry(
        address=POOL,
        dex="balancer-stable",
        kind="balancer-stable",
        token0=a.address,
        token1=b.address,
        fee=100,
        symbol0=a.symbol,
        symbol1=b.symbol,
        pool_id="0x" + "44" * 20 + "00" * 12,
    )


MANIFEST = Manifest(
    chains=(
        ChainManifest(
            chain_id=1,
            name="ethereum",
            rpc_http="",
            rpc_ws="",
            tokens=(USDC, USDT, DAI),
            dexes=(),
            pools=(_pair(USDC, USDT), _pair(USDC, DAI), _pair(USDT, DAI)),
            deployer="",
            traders=(),
        ),
    )
)


def _line(**fields: object) -> str:
    return json.dumps({"chain": "ethereum", "pool": POOL, "amount_in": 10**6, **fields})


def test_token_out_picks_the_pair_of_the_pool() -> None:
    request = parse_request(MANIFEST, _line(token_in="USDT", token_out="DAI"))
    assert (request.token_in, request.token_out) == (USDT.address, DAI.address)
    request = parse_request(MANIFEST, _line(token_in=DAI.address, token_out="usdc"))
    assert (request.token_in, request.token_out) == (DAI.address, USDC.address)


def test_token_in_alone_is_refused_where_two_pairs_hold_it() -> None:
    with pytest.raises(QuoteLineError, match="say which to buy with token_out"):
        parse_request(MANIFEST, _line(token_in="USDC"))
    with pytest.raises(QuoteLineError, match="has no pair of 'USDC' and 'WETH'"):
        parse_request(MANIFEST, _line(token_in="USDC", token_out="WETH"))

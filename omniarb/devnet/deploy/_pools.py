"""The catalog's pools on the chain's DEXes: the deployer funded and approved once, each pool
created and filled by its kind (`omniarb.devnet.kinds`) with half its depth in each token at
the reference prices (a pool of more tokens: an equal share each, or its weights'); then each
factory is asked where its pools are, unless the kind knows from creating them. A pool of more
than two tokens is one manifest entry per pair of them.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.devnet.catalog import REFERENCE_PRICES_USD, ChainCatalog, PoolDef
from omniarb.devnet.deploy._sender import Sender, checksum, mined_receipt
from omniarb.devnet.deploy._tokens import MAX_UINT, fund
from omniarb.devnet.kinds import devnet_kind
from omniarb.devnet.kinds.base import PoolSeed, SeededPool, SeedToken
from omniarb.devnet.pricing import amount_for_usd, raw_price
from omniarb.dex.uniswap_v4 import NATIVE_CURRENCY
from omniarb.errors import DevnetError
from omniarb.network import DexEntry, PoolEntry

__all__ = ["create_pools"]


def _seed(catalog: ChainCatalog, tokens: dict[str, str], pool: PoolDef) -> PoolSeed:
    """`pool` with its tokens' addresses, what goes in of each and their reference price."""
    defs = [catalog.token(symbol) for symbol in pool.symbols]
    weights = pool.weights_pct or (100,) * len(defs)
    total = sum(weights)
    put = [
        SeedToken(
            symbol=token.symbol,
            address=tokens[token.symbol],
            amount=amount_for_usd(
                Fraction(pool.depth_usd * weight, total),
                REFERENCE_PRICES_USD[token.asset],
                token.decimals,
            ),
        )
        for token, weight in zip(defs, weights, strict=True)
    ]
    ta, tb = defs[0], defs[1]
    return PoolSeed(
        symbol_a=ta.symbol,
        symbol_b=tb.symbol,
        token_a=put[0].address,
        token_b=put[1].address,
        amount_a=put[0].amount,
        amount_b=put[1].amount,
        fee=pool.fee,
        price_raw=raw_price(
            REFERENCE_PRICES_USD[ta.asset],
            ta.decimals,
            REFERENCE_PRICES_USD[tb.asset],
            tb.decimals,
        ),
        more=tuple(put[2:]),
        weights_pct=pool.weights_pct,
    )


async def create_pools(
    rpc: RpcClient,
    deployer: Sender,
    catalog: ChainCatalog,
    tokens: dict[str, str],
    dexes: list[DexEntry],
    spenders: list[str],
) -> list[PoolEntry]:
    if catalog.native is not None:
        # The native coin is currency 0 of the pools that hold it (CurrencyLibrary.ADDRESS_ZERO);
        # its kind pays it with the transactions' value.
        tokens = {**tokens, catalog.native.symbol: NATIVE_CURRENCY}
    seeds = [_seed(catalog, tokens, pool) for pool in catalog.pools]
    # Fund the deployer with everything the pools need (plus slack), approve every spender once.
    need: dict[str, int] = dict.fromkeys(tokens, 0)
    for seed in seeds:
        for put in seed.tokens:
            need[put.symbol] += put.amount
    for token in catalog.tokens:
        await fund(deployer, deployer, token, tokens[token.symbol], need[token.symbol] * 2)
        for spender in spenders:
            await deployer.send(
                f"approve {token.symbol}",
                tokens[token.symbol],
                encode_call("approve(address,uint256)", spender, MAX_UINT),
            )

    by_name = {d.name: d for d in dexes}
    seeded = [
        await devnet_kind(pool.kind).seed_pool(deployer, by_name[pool.dex], seed)
        for pool, seed in zip(catalog.pools, seeds, strict=True)
    ]
    await mined_receipt(rpc, deployer.sent[-1][1])
    return await _read_pools(rpc, catalog, seeds, seeded, by_name)


async def _read_pools(
    rpc: RpcClient,
    catalog: ChainCatalog,
    seeds: list[PoolSeed],
    seeded: list[SeededPool | None],
    dexes: dict[str, DexEntry],
) -> list[PoolEntry]:
    """Ask each factory where its pools are (unless the kind knows from creating them): the
    manifest reports what the chain says."""
    planned = [
        (devnet_kind(pool.kind), dexes[pool.dex], seed)
        for pool, seed in zip(catalog.pools, seeds, strict=True)
    ]
    fees = [kind.fee_pips(dex, seed) for kind, dex, seed in planned]
    asked = [i for i, known in enumerate(seeded) if known is None]
    answers = await rpc.batch(
        [planned[i][0].find_pool(planned[i][1], planned[i][2]) for i in asked]
    )
    found = dict(zip(asked, answers, strict=True))
    pools = []
    for i, ((kind, dex, seed), fee) in enumerate(zip(planned, fees, strict=True)):
        known = seeded[i]
        address = known.address if known is not None else decode(["address"], found[i])[0]
        if int(address, 16) == 0:
            raise DevnetError(
                f"{dex.name} has no pool for {seed.symbol_a}/{seed.symbol_b} fee {fee}"
            )
        for first, second in itertools.combinations(seed.tokens, 2):
            token0, token1 = sorted((first, second), key=lambda t: int(t.address, 16))
            pools.append(
                PoolEntry(
                    address=checksum(address),
                    dex=dex.name,
                    kind=kind.kind,
                    token0=token0.address,
                    token1=token1.address,
                    fee=fee,
                    symbol0=token0.symbol,
                    symbol1=token1.symbol,
                    tick_spacing=kind.tick_spacing(fee),
                    pool_id=None if known is None else known.pool_id,
                )
            )
    return pools

"""The catalog's pools on the chain's DEXes: the deployer funded and approved once, each pool
created and filled by its kind (`omniarb.devnet.kinds`) with half its depth in each token at
the reference prices; then each factory is asked where its pools are.
"""

from __future__ import annotations

from fractions import Fraction

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.devnet.catalog import REFERENCE_PRICES_USD, ChainCatalog, PoolDef
from omniarb.devnet.deploy._sender import Sender, checksum, mined_receipt
from omniarb.devnet.deploy._tokens import MAX_UINT, fund
from omniarb.devnet.kinds import devnet_kind
from omniarb.devnet.kinds.base import PoolSeed
from omniarb.devnet.pricing import amount_for_usd, raw_price
from omniarb.dex.uniswap_v4 import NATIVE_CURRENCY
from omniarb.errors import DevnetError
from omniarb.network import DexEntry, PoolEntry

__all__ = ["create_pools"]


def _seed(catalog: ChainCatalog, tokens: dict[str, str], pool: PoolDef) -> PoolSeed:
    """`pool` with its tokens' addresses, what goes in of each and their reference price."""
    ta, tb = catalog.token(pool.token_a), catalog.token(pool.token_b)
    price_a, price_b = REFERENCE_PRICES_USD[ta.asset], REFERENCE_PRICES_USD[tb.asset]
    half = Fraction(pool.depth_usd, 2)
    return PoolSeed(
        symbol_a=ta.symbol,
        symbol_b=tb.symbol,
        token_a=tokens[ta.symbol],
        token_b=tokens[tb.symbol],
        amount_a=amount_for_usd(half, price_a, ta.decimals),
        amount_b=amount_for_usd(half, price_b, tb.decimals),
        fee=pool.fee,
        price_raw=raw_price(price_a, ta.decimals, price_b, tb.decimals),
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
        need[seed.symbol_a] += seed.amount_a
        need[seed.symbol_b] += seed.amount_b
    for token in catalog.tokens:
        await fund(deployer, deployer, token, tokens[token.symbol], need[token.symbol] * 2)
        for spender in spenders:
            await deployer.send(
                f"approve {token.symbol}",
                tokens[token.symbol],
                encode_call("approve(address,uint256)", spender, MAX_UINT),
            )

    by_name = {d.name: d for d in dexes}
    for pool, seed in zip(catalog.pools, seeds, strict=True):
        await devnet_kind(pool.kind).seed_pool(deployer, by_name[pool.dex], seed)
    await mined_receipt(rpc, deployer.sent[-1][1])
    return await _read_pools(rpc, catalog, seeds, by_name)


async def _read_pools(
    rpc: RpcClient, catalog: ChainCatalog, seeds: list[PoolSeed], dexes: dict[str, DexEntry]
) -> list[PoolEntry]:
    """Ask each factory where its pools are: the manifest reports what the chain says."""
    planned = [
        (devnet_kind(pool.kind), dexes[pool.dex], seed)
        for pool, seed in zip(catalog.pools, seeds, strict=True)
    ]
    fees = [kind.fee_pips(dex, seed) for kind, dex, seed in planned]
    answers = await rpc.batch([kind.find_pool(dex, seed) for kind, dex, seed in planned])
    pools = []
    for (kind, dex, seed), fee, answer in zip(planned, fees, answers, strict=True):
        (address,) = decode(["address"], answer)
        if int(address, 16) == 0:
            raise DevnetError(
                f"{dex.name} has no pool for {seed.symbol_a}/{seed.symbol_b} fee {fee}"
            )
        ordered = seed.in_address_order()
        pools.append(
            PoolEntry(
                address=checksum(address),
                dex=dex.name,
                kind=kind.kind,
                token0=ordered.token_a,
                token1=ordered.token_b,
                fee=fee,
                symbol0=ordered.symbol_a,
                symbol1=ordered.symbol_b,
                tick_spacing=kind.tick_spacing(fee),
            )
        )
    return pools

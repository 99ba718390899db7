"""The catalog's pools on the chain's DEXes: the deployer funded and approved once, each V2 pair
filled through its router, each V3 pool created at the reference price and minted in the ranges
`pricing.position_ranges` gives; then each factory is asked where its pools are.
"""

from __future__ import annotations

from fractions import Fraction

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import DexKind
from omniarb.devnet.catalog import REFERENCE_PRICES_USD, ChainCatalog
from omniarb.devnet.deploy._sender import Sender, checksum, mined_receipt
from omniarb.devnet.deploy._tokens import MAX_UINT, fund
from omniarb.devnet.pricing import (
    TICK_SPACING,
    amount_for_usd,
    position_ranges,
    raw_price,
    sqrt_price_x96,
)
from omniarb.errors import DevnetError
from omniarb.network import DexEntry, PoolEntry

__all__ = ["create_pools"]

_DEADLINE = 2**32 - 1
_POOL_CREATE_GAS = 6_000_000


def _pool_budget(
    catalog: ChainCatalog,
    token_a: str,
    token_b: str,
    depth_usd: int,
) -> tuple[int, int]:
    ta, tb = catalog.token(token_a), catalog.token(token_b)
    half = Fraction(depth_usd, 2)
    return (
        amount_for_usd(half, REFERENCE_PRICES_USD[ta.asset], ta.decimals),
        amount_for_usd(half, REFERENCE_PRICES_USD[tb.asset], tb.decimals),
    )


async def create_pools(
    rpc: RpcClient,
    deployer: Sender,
    catalog: ChainCatalog,
    tokens: dict[str, str],
    dexes: list[DexEntry],
    spenders: list[str],
) -> list[PoolEntry]:
    # Fund the deployer with everything the pools need (plus slack), approve every spender once.
    need: dict[str, int] = dict.fromkeys(tokens, 0)
    for v2 in catalog.v2_pools:
        a, b = _pool_budget(catalog, v2.token_a, v2.token_b, v2.depth_usd)
        need[v2.token_a] += a
        need[v2.token_b] += b
    for v3 in catalog.v3_pools:
        a, b = _pool_budget(catalog, v3.token_a, v3.token_b, v3.depth_usd)
        need[v3.token_a] += a
        need[v3.token_b] += b
    for token in catalog.tokens:
        await fund(deployer, deployer, token, tokens[token.symbol], need[token.symbol] * 2)
        for spender in spenders:
            await deployer.send(
                f"approve {token.symbol}",
                tokens[token.symbol],
                encode_call("approve(address,uint256)", spender, MAX_UINT),
            )

    v2_by_name = {d.name: d for d in dexes if d.kind == DexKind.UNISWAP_V2.value}
    for v2 in catalog.v2_pools:
        a, b = _pool_budget(catalog, v2.token_a, v2.token_b, v2.depth_usd)
        await deployer.send(
            f"{v2.dex} {v2.token_a}/{v2.token_b} liquidity",
            v2_by_name[v2.dex].router,
            encode_call(
                "addLiquidity(address,address,uint256,uint256,uint256,uint256,address,uint256)",
                tokens[v2.token_a],
                tokens[v2.token_b],
                a,
                b,
                0,
                0,
                deployer.address,
                _DEADLINE,
            ),
            gas=_POOL_CREATE_GAS,
        )

    v3_dex = next(d for d in dexes if d.kind == DexKind.UNISWAP_V3.value)
    manager = v3_dex.position_manager
    if manager is None:
        raise DevnetError(f"{v3_dex.name} has no position manager")
    for pool in catalog.v3_pools:
        ta, tb = catalog.token(pool.token_a), catalog.token(pool.token_b)
        if int(tokens[ta.symbol], 16) > int(tokens[tb.symbol], 16):
            ta, tb = tb, ta
        price = raw_price(
            REFERENCE_PRICES_USD[ta.asset], ta.decimals, REFERENCE_PRICES_USD[tb.asset], tb.decimals
        )
        label = f"{v3_dex.name} {ta.symbol}/{tb.symbol} {pool.fee}"
        await deployer.send(
            f"{label} create",
            manager,
            encode_call(
                "createAndInitializePoolIfNecessary(address,address,uint24,uint160)",
                tokens[ta.symbol],
                tokens[tb.symbol],
                pool.fee,
                sqrt_price_x96(price),
            ),
            gas=_POOL_CREATE_GAS,
        )
        amount0, amount1 = _pool_budget(catalog, ta.symbol, tb.symbol, pool.depth_usd)
        for lower, upper, share in position_ranges(price, pool.fee):
            await deployer.send(
                f"{label} mint [{lower},{upper}]",
                manager,
                encode_call(
                    "mint((address,address,uint24,int24,int24,uint256,uint256,uint256,uint256,"
                    "address,uint256))",
                    (
                        tokens[ta.symbol],
                        tokens[tb.symbol],
                        pool.fee,
                        lower,
                        upper,
                        int(amount0 * share),
                        int(amount1 * share),
                        0,
                        0,
                        deployer.address,
                        _DEADLINE,
                    ),
                ),
            )
    await mined_receipt(rpc, deployer.sent[-1][1])
    return await _read_pools(rpc, catalog, tokens, dexes)


async def _read_pools(
    rpc: RpcClient, catalog: ChainCatalog, tokens: dict[str, str], dexes: list[DexEntry]
) -> list[PoolEntry]:
    """Ask each factory where its pools are: the manifest reports what the chain says."""
    requests = []
    entries: list[tuple[str, str, str, str, int]] = []
    for v2 in catalog.v2_pools:
        dex = next(d for d in dexes if d.name == v2.dex)
        call = encode_call("getPair(address,address)", tokens[v2.token_a], tokens[v2.token_b])
        requests.append(("eth_call", [{"to": dex.factory, "data": call}, "latest"]))
        if dex.fee_pips is None:
            raise DevnetError(f"{dex.name} has no fee")
        entries.append((dex.name, DexKind.UNISWAP_V2.value, v2.token_a, v2.token_b, dex.fee_pips))
    v3 = next(d for d in dexes if d.kind == DexKind.UNISWAP_V3.value)
    for pool in catalog.v3_pools:
        call = encode_call(
            "getPool(address,address,uint24)", tokens[pool.token_a], tokens[pool.token_b], pool.fee
        )
        requests.append(("eth_call", [{"to": v3.factory, "data": call}, "latest"]))
        entries.append((v3.name, DexKind.UNISWAP_V3.value, pool.token_a, pool.token_b, pool.fee))
    answers = await rpc.batch(requests)
    pools = []
    for (dex_name, kind, sym_a, sym_b, fee), answer in zip(entries, answers, strict=True):
        (address,) = decode(["address"], answer)
        if int(address, 16) == 0:
            raise DevnetError(f"{dex_name} has no pool for {sym_a}/{sym_b} fee {fee}")
        if int(tokens[sym_a], 16) > int(tokens[sym_b], 16):
            sym_a, sym_b = sym_b, sym_a
        pools.append(
            PoolEntry(
                address=checksum(address),
                dex=dex_name,
                kind=kind,
                token0=tokens[sym_a],
                token1=tokens[sym_b],
                fee=fee,
                symbol0=sym_a,
                symbol1=sym_b,
                tick_spacing=TICK_SPACING[fee] if kind == DexKind.UNISWAP_V3.value else None,
            )
        )
    return pools

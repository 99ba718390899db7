"""The flash-source part of `benchmarks/execute.py`: `execute`'s gas for one 2-hop cycle with
each flash source (and from the executor's own inventory, no loan) and each lender's fee at
that size, on the all-V2 cycle, on a planted V2 → V3 cycle and on the same two pools V3 first
(see the script's docstring).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from _deadline import BENCH_DEADLINE_BLOCK
from _execute_chain import Chain
from _execute_pools import DEADLINE, V3_SWAP, pool_named, read_reserves

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.devnet import dev_account
from omniarb.dex.uniswap_v2.math import get_amount_out
from omniarb.execute.executor_calldata import dex_factories
from omniarb.execute.executor_contract import ExecutorContract
from omniarb.execute.route_codec import FlashPool, FlashSource, RouteCodec
from omniarb.network import ChainManifest, PoolEntry
from omniarb.types import FlashLoan, Route

V3_WHALE_WETH = 2_500 * 10**18
PIPS = 1_000_000
_QUOTE = "quoteExactInputSingle((address,address,uint256,uint24,uint160))"


async def _route_output(
    rpc: RpcClient, manifest: ChainManifest, route: Route, amount_in: int
) -> int:
    """The cycle's output on the latest state: exact V2 formula on reserves, QuoterV2 for V3."""
    amount = amount_in
    for hop in route.hops:
        if hop.kind == "uniswap-v2":
            r0, r1 = (await read_reserves(rpc, [_by_address(manifest, hop.pool)]))[hop.pool]
            reserve_in, reserve_out = (r0, r1) if hop.zero_for_one else (r1, r0)
            amount = get_amount_out(amount, reserve_in, reserve_out, hop.fee_pips // 100)
        else:
            quoter = manifest.dex(hop.dex).quoter
            data = encode_call(_QUOTE, (hop.token_in, hop.token_out, amount, hop.fee_pips, 0))
            answer = await rpc.call("eth_call", {"to": quoter, "data": data}, "latest")
            amount = int(decode(["uint256"], answer)[0])
    return amount


def _by_address(manifest: ChainManifest, address: str) -> PoolEntry:
    return next(p for p in manifest.pools if p.address == address)


async def _source_rows(
    chain: Chain,
    manifest: ChainManifest,
    executor: ExecutorContract,
    route: Route,
    amount_in: int,
    *,
    v2_lender: PoolEntry,
    v3_lender: PoolEntry,
    rotation: tuple[Route, int] | None = None,
) -> dict[str, Any]:
    """`execute`'s gas and the lender's fee for `route` with every flash source.

    The baseline is the V2 flash swap from the route's own pair. A route whose first hop is V3
    cannot take one (the contract borrows from the first pool), so its baseline is `rotation`:
    the same pools in the same directions, started at the V2 hop, with that flash swap.
    """
    bot, trader = dev_account(9).address, dev_account(1).address
    codec = RouteCodec(dex_factories(manifest))
    aave_bps = 5  # the devnet market's FLASHLOAN_PREMIUM_TOTAL (tests/integration/devnet)
    own_pair = FlashLoan.OWN_PAIR
    first_route, first_amount = rotation or (route, amount_in)
    first_name = own_pair + (" (route's pair)" if rotation is None else " (rotation)")
    variants: list[tuple[str, str, Route, int, FlashSource, FlashPool | None, int]] = [
        (first_name, own_pair, first_route, first_amount, FlashSource.V2_PAIR, None, 0),
        (
            "uniswap-v2 flash loan (other pair)",
            "uniswap-v2-pair-loan",
            route,
            amount_in,
            FlashSource.V2_PAIR,
            v2_lender.flash_pool(),
            -(-amount_in * PIPS // (PIPS - v2_lender.fee)) - amount_in,
        ),
        (
            FlashLoan.BALANCER_V2,
            FlashLoan.BALANCER_V2,
            route,
            amount_in,
            FlashSource.BALANCER_VAULT,
            None,
            0,
        ),
        (
            FlashLoan.AAVE_V3,
            FlashLoan.AAVE_V3,
            route,
            amount_in,
            FlashSource.AAVE_V3,
            None,
            (amount_in * aave_bps + 5_000) // 10_000,
        ),
        (
            FlashLoan.V3_POOL + f" ({v3_lender.fee} pips pool)",
            FlashLoan.V3_POOL,
            route,
            amount_in,
            FlashSource.UNISWAP_V3,
            v3_lender.flash_pool(),
            -(-amount_in * v3_lender.fee // PIPS),
        ),
        # No loan: the executor's own balance of the start token (the trader sends it the
        # amount first, inside the same snapshot).
        (
            FlashLoan.INVENTORY,
            FlashLoan.INVENTORY,
            route,
            amount_in,
            FlashSource.INVENTORY,
            None,
            0,
        ),
    ]
    rows: dict[str, Any] = {}
    for name, source_name, run, run_amount, source, lender, fee in variants:
        data = codec.calldata(
            run, run_amount, 0, source, flash_pool=lender, deadline_block=BENCH_DEADLINE_BLOCK
        )
        held = run_amount if source is FlashSource.INVENTORY else 1
        funding = encode_call("transfer(address,uint256)", executor.address, held)
        async with chain.snapshot():
            await chain.send(trader, run.token_in, funding)
            rows[name] = {"gas": await chain.gas(bot, executor.address, "0x" + data.hex())}
        rows[name]["fee"] = fee
        rows[name]["source"] = source_name
    baseline = rows[variants[0][0]]["gas"]
    for row in rows.values():
        row["extra_gas"] = row["gas"] - baseline
    token = next(t for t in manifest.tokens if t.address == route.token_in)
    result = {
        "pools": [h.pool for h in route.hops],
        "kinds": [h.kind for h in route.hops],
        "token": token.symbol,
        "decimals": token.decimals,
        "amount_in": amount_in,
        "sources": rows,
    }
    if rotation is not None:
        result["baseline"] = {"pools": list(first_route.pools), "amount_in": first_amount}
    return result


async def measure_flash_sources(
    chain: Chain,
    manifest: ChainManifest,
    executor: ExecutorContract,
    v2_route: Route,
    v2_amount_in: int,
) -> dict[str, Any]:
    """Gas per flash source: the all-V2 2-hop cycle, then a planted V2 → V3 one, then the
    same two pools V3 first (from USDC)."""
    v2_lender = pool_named(manifest, "uniswap-v2", {"WETH", "DAI"}, 3000)
    v3_lender = pool_named(manifest, "uniswap-v3", {"WETH", "USDT"}, 500)
    result = {
        "v2-v2": await _source_rows(
            chain,
            manifest,
            executor,
            v2_route,
            v2_amount_in,
            v2_lender=v2_lender,
            v3_lender=v3_lender,
        )
    }
    trader = dev_account(1).address
    weth, usdc = manifest.token("WETH").address, manifest.token("USDC").address
    router = manifest.dex("uniswap-v3").router
    whale = encode_call(V3_SWAP, (weth, usdc, 500, trader, DEADLINE, V3_WHALE_WETH, 0, 0))
    await chain.send(trader, router, whale)
    cheap = pool_named(manifest, "uniswap-v3", {"WETH", "USDC"}, 500)
    candidates = []
    for dex in ("uniswap-v2", "sushiswap"):
        pair = pool_named(manifest, dex, {"WETH", "USDC"}, 3000)
        route = Route(chain_id=manifest.chain_id, hops=(pair.hop(weth), cheap.hop(usdc)))
        for whole in (10, 20, 50, 100, 200):
            amount_in = whole * 10**18
            out = await _route_output(chain.rpc, manifest, route, amount_in)
            candidates.append((out - amount_in, route, amount_in))
    _, route, amount_in = max(candidates, key=lambda c: c[0])
    result["v2-v3"] = await _source_rows(
        chain, manifest, executor, route, amount_in, v2_lender=v2_lender, v3_lender=v3_lender
    )
    # V3 first: the rotation of that cycle from USDC, its V3 hop fed what it was fed there.
    pair = _by_address(manifest, route.hops[0].pool)
    v3_first = Route(chain_id=manifest.chain_id, hops=(cheap.hop(usdc), pair.hop(weth)))
    usdc_in = await _route_output(
        chain.rpc, manifest, replace(route, hops=route.hops[:1]), amount_in
    )
    if await _route_output(chain.rpc, manifest, v3_first, usdc_in) <= usdc_in:
        raise RuntimeError("the V3-first rotation of the V2 → V3 cycle is not profitable")
    result["v3-v2"] = await _source_rows(
        chain,
        manifest,
        executor,
        v3_first,
        usdc_in,
        v2_lender=pool_named(manifest, "uniswap-v2", {"DAI", "USDC"}, 3000),
        v3_lender=pool_named(manifest, "uniswap-v3", {"USDT", "USDC"}, 500),
        rotation=(route, amount_in),
    )
    return result

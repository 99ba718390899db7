"""Four cycles through a planted V3 gap, and what each flash source charges for them.

A trader's whale sale through the V3 SwapRouter cheapens WETH in the 0.05% WETH/USDC pool; four
cycles then pay: V2 → V3 and V2 → V2 → V3 from WETH, V3 → V2 from USDC and V3 → V3 from WETH.
Each is sized here from the pools' own quotes at that state (V2: the exact formula on
`getReserves`; V3: QuoterV2), with the lenders outside the route that sources 0 and 3 borrow
from, and each lender's fee as the lender computes it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from _executor_calls import (
    BOT,
    CHAIN,
    DEADLINE,
    TRADER,
    Setup,
    call,
    pool_entry,
    wait_receipt,
)
from _lender_helpers import fill_wrapped_native
from _plans import FAR_DEADLINE_BLOCK

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.dex.uniswap_v2.math import get_amount_out
from omniarb.execute.executor_calldata import dex_factories
from omniarb.execute.executor_contract import deploy_devnet_executor
from omniarb.execute.route_codec import FlashSource, RouteCodec, wrap_plan
from omniarb.network import ChainManifest, PoolEntry
from omniarb.types import FlashPool, Hop, Route

TX_GAS = 2_000_000
WHALE_WETH = 2_500 * 10**18
VAULT_WETH = 10_000 * 10**18  # more than any cycle here borrows
V3_EXACT_INPUT = (
    "exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))"
)
QUOTE_EXACT_INPUT = "quoteExactInputSingle((address,address,uint256,uint24,uint160))"
PIPS = 1_000_000
# The loans: every source but the executor's own inventory (test_executor_inventory.py).
SOURCES = tuple(s for s in FlashSource if s is not FlashSource.INVENTORY)


async def send_tx(rpc: RpcClient, sender: str, to: str | None, data: bytes | str) -> dict[str, Any]:
    """Send with a fixed gas limit (no estimate: a reverting call is mined with status 0)."""
    tx = {
        "from": sender,
        "data": data if isinstance(data, str) else "0x" + data.hex(),
        "gas": hex(TX_GAS),
    }
    if to is not None:
        tx["to"] = to
    return await wait_receipt(rpc, await rpc.call("eth_sendTransaction", tx))


# ---------------------------------------------------------------------------- pools and quotes


def find_pool(
    chain: ChainManifest, dex: str, symbols: set[str], fee: int | None = None
) -> PoolEntry:
    return next(
        p
        for p in chain.pools
        if p.dex == dex and {p.symbol0, p.symbol1} == symbols and fee in (None, p.fee)
    )


async def hop_outputs(
    rpc: RpcClient, chain: ChainManifest, h: Hop, amounts: Sequence[int]
) -> list[int]:
    """What `h` pays for each amount on the chain's latest state, from the pool's own answers:
    `getReserves` and the exact V2 formula, or QuoterV2 (which equals the pool, FACTS.md)."""
    if h.kind == "uniswap-v2":
        reserves = decode(["uint112", "uint112", "uint32"], await call(rpc, h.pool, "0x0902f1ac"))
        reserve_in, reserve_out = reserves[:2] if h.zero_for_one else reserves[1::-1]
        return [get_amount_out(a, reserve_in, reserve_out, h.fee_pips // 100) for a in amounts]
    quoter = chain.dex(h.dex).quoter
    assert quoter is not None
    answers = await rpc.batch(
        [
            (
                "eth_call",
                [
                    {
                        "to": quoter,
                        "data": encode_call(
                            QUOTE_EXACT_INPUT, (h.token_in, h.token_out, a, h.fee_pips, 0)
                        ),
                    },
                    "latest",
                ],
            )
            for a in amounts
        ]
    )
    return [int(decode(["uint256"], answer)[0]) for answer in answers]


async def route_outputs(
    rpc: RpcClient, chain: ChainManifest, route: Route, amounts: Sequence[int]
) -> list[int]:
    """The route's output for each amount in. Its pools are distinct, so hop i+1's pool is in
    the same state when hop i has run as now: quoting hop by hop on this state is exact."""
    outputs = list(amounts)
    for h in route.hops:
        outputs = await hop_outputs(rpc, chain, h, outputs)
    return outputs


# ---------------------------------------------------------------------------- the planted gap


@dataclass(frozen=True)
class Case:
    """A cycle, its lenders outside the route (V2 pair for source 0 if the first hop is not V2,
    V3 pool for source 3, the V4 PoolManager for source 4), and the size traded."""

    route: Route
    v2_lender: PoolEntry | None
    v3_lender: PoolEntry
    amount_in: int
    amount_out: int
    v4_lender: FlashPool | None = None


async def plant_gap(rpc: RpcClient, chain: ChainManifest) -> None:
    """A whale sells WETH into the 0.05% WETH/USDC V3 pool: WETH is cheap there now."""
    weth, usdc = chain.token("WETH").address, chain.token("USDC").address
    router = chain.dex("uniswap-v3").router
    data = encode_call(V3_EXACT_INPUT, (weth, usdc, 500, TRADER, DEADLINE, WHALE_WETH, 0, 0))
    receipt = await send_tx(rpc, TRADER, router, data)
    assert int(receipt["status"], 16) == 1


async def case_for(rpc: RpcClient, chain: ChainManifest, name: str) -> Case:
    weth, usdc = chain.token("WETH").address, chain.token("USDC").address
    v2_weth_usdc = find_pool(chain, "uniswap-v2", {"WETH", "USDC"})
    v3_cheap = find_pool(chain, "uniswap-v3", {"WETH", "USDC"}, 500)
    v3_dear = find_pool(chain, "uniswap-v3", {"WETH", "USDC"}, 3000)
    weth_lender = find_pool(chain, "uniswap-v3", {"WETH", "USDT"}, 500)
    if name == "v2-v3":  # sell WETH on V2, buy it back cheap on V3
        hops = (v2_weth_usdc.hop(weth), v3_cheap.hop(usdc))
        v2_lender, v3_lender, unit = None, weth_lender, 10**18
    elif name == "v2-v2-v3":  # WETH → DAI → USDC on V2 pairs, USDC → cheap WETH on V3
        hops = (
            find_pool(chain, "uniswap-v2", {"WETH", "DAI"}).hop(weth),
            find_pool(chain, "uniswap-v2", {"USDC", "DAI"}).hop(chain.token("DAI").address),
            v3_cheap.hop(usdc),
        )
        v2_lender, v3_lender, unit = None, weth_lender, 10**18
    elif name == "v3-v2":  # from USDC: buy WETH cheap on V3, sell it on V2
        hops = (v3_cheap.hop(usdc), v2_weth_usdc.hop(weth))
        v2_lender = find_pool(chain, "uniswap-v2", {"USDC", "USDT"})
        v3_lender = find_pool(chain, "uniswap-v3", {"USDC", "USDT"}, 500)
        unit = 3000 * 10**6
    else:  # v3-v3: sell WETH on the 0.3% pool, buy it back cheap on the 0.05% pool
        hops = (v3_dear.hop(weth), v3_cheap.hop(usdc))
        v2_lender, v3_lender, unit = v2_weth_usdc, weth_lender, 10**18
    route = Route(chain_id=chain.chain_id, hops=hops)
    sizes = [k * unit for k in (1, 2, 5, 10, 20, 50, 100, 200, 400)]
    outputs = await route_outputs(rpc, chain, route, sizes)
    amount_in, amount_out = max(zip(sizes, outputs, strict=True), key=lambda x: x[1] - x[0])
    # Even the dearest lender (a V2 pair's 0.3%) must leave a profit.
    assert amount_out - amount_in > amount_in // 200, f"the planted gap does not pay for {name}"
    return Case(
        route=route,
        v2_lender=v2_lender,
        v3_lender=v3_lender,
        amount_in=amount_in,
        amount_out=amount_out,
        v4_lender=v4_manager_lender(chain, route.token_in),
    )


async def flash_fee(rpc: RpcClient, chain: ChainManifest, case: Case, source: FlashSource) -> int:
    """The lender's fee for `case.amount_in`, as the lender computes it (read from the chain)."""
    amount = case.amount_in
    if source is FlashSource.V2_PAIR:
        if case.v2_lender is None:
            return 0  # the route's own first pair lends: its swap fee is the hop's own
        fee = case.v2_lender.fee  # UniswapV2Pair.swap's K check, paying back the same token
        return -(-amount * PIPS // (PIPS - fee)) - amount
    if source is FlashSource.BALANCER_VAULT:
        collector = chain.lender("balancer-v2").contracts["protocol_fees_collector"]
        percentage = decode(
            ["uint256"], await call(rpc, collector, encode_call("getFlashLoanFeePercentage()"))
        )[0]
        assert percentage == 0  # as deployed, as on mainnet
        return 0
    if source is FlashSource.AAVE_V3:
        pool = chain.lender("aave-v3").address
        bps = decode(["uint128"], await call(rpc, pool, encode_call("FLASHLOAN_PREMIUM_TOTAL()")))
        assert bps[0] == 5
        return (amount * bps[0] + 5_000) // 10_000  # PercentageMath.percentMul
    if source is FlashSource.UNISWAP_V4:
        return 0  # PoolManager.take inside unlock: repaid by settle, no fee
    return -(-amount * case.v3_lender.fee // PIPS)  # UniswapV3Pool.flash: mulDivRoundingUp


def lender_holder(chain: ChainManifest, case: Case, source: FlashSource) -> str:
    """Where the lender keeps the start token (its balance there grows by the fee)."""
    start = case.route.token_in
    symbol = chain.token_by_address(start).symbol
    if source is FlashSource.V2_PAIR:
        return (case.v2_lender or pool_entry(chain, case.route.hops[0].pool)).address
    if source is FlashSource.BALANCER_VAULT:
        return chain.lender("balancer-v2").address
    if source is FlashSource.AAVE_V3:
        return chain.lender("aave-v3").asset(symbol).holder
    if source is FlashSource.UNISWAP_V4:
        return chain.dex("uniswap-v4").factory
    return case.v3_lender.address


def v4_manager_lender(chain: ChainManifest, token: str) -> FlashPool:
    """The devnet's V4 PoolManager as the plan's lender record names it (as the allocator's
    `LenderBook` does): the manager, with the start token on both sides."""
    dex = chain.dex("uniswap-v4")
    return FlashPool(
        pool=dex.factory, dex=dex.name, kind=dex.kind, token0=token, token1=token, fee_pips=0
    )


def calldata(codec: RouteCodec, case: Case, source: FlashSource, min_profit: int) -> bytes:
    return wrap_plan(plan(codec, case, source, min_profit))


def plan(codec: RouteCodec, case: Case, source: FlashSource, min_profit: int) -> bytes:
    """The packed plan of `case` borrowing from `source` (what `execute` and the bribed entry
    take)."""
    lender = None
    if source is FlashSource.UNISWAP_V3:
        lender = case.v3_lender.flash_pool()
    elif source is FlashSource.UNISWAP_V4:
        assert case.v4_lender is not None, "a V4 loan needs the PoolManager"
        lender = case.v4_lender
    elif source is FlashSource.V2_PAIR and case.v2_lender is not None:
        lender = case.v2_lender.flash_pool()
    return codec.plan(
        case.route,
        case.amount_in,
        min_profit,
        source,
        flash_pool=lender,
        deadline_block=FAR_DEADLINE_BLOCK,
    )


@asynccontextmanager
async def planted(devnet_factory: Any) -> AsyncIterator[Setup]:
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            executor = await deploy_devnet_executor(rpc, chain, bot=BOT)
            # The devnet's Vault holds stablecoins only; these cycles also borrow WETH from it.
            await fill_wrapped_native(rpc, chain, chain.lender("balancer-v2").address, VAULT_WETH)
            await plant_gap(rpc, chain)
            yield Setup(
                rpc=rpc, chain=chain, executor=executor, codec=RouteCodec(dex_factories(chain))
            )

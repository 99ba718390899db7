"""Routes through the devnet's Uniswap V4 pool of the native coin, and what executing one does.

On Ethereum the V4 DEX holds ETH itself against USDC (0.3%, currency 0 the native coin); routes
carry WETH for it. A trader's whale swap through that pool opens a gap either way: selling ETH
there (`CHEAP`: cycles buy ETH from the pool, wrapping it) or buying it (`DEAR`: cycles sell
ETH into it, unwrapping WETH). Each case is a route of legs (a pool, the token it sells) and
the loan that funds it, so together they run every path of the executor's native handling:
the native side as the route's first hop (borrowed from the manager as the native coin, or
unwrapped from a loan held here), mid-route after a V2 pair or a V4 hop, and as the last hop
(wrapped here, or sent on to a V2 pair or into the manager for a V4 hop).

Hops come from the product's graph (`CycleGraph`) over the states the kinds' books read, so
they carry the pool's currency as the detector's do; the prediction is the states' own
`amount_out` chained over the route, and the gas estimate the product's gas model for the
route with its ticks crossed. The pools are first swapped a little each way (`season`), as the
gas model's measurements had them: pools on a live chain have traded before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from _executor_calls import BOT, DEADLINE, balance_of
from _plans import FAR_DEADLINE_BLOCK
from _receipts import mined_receipt
from _v4_trades import v4_trade

from omniarb.allocate.lenders import flash_fee
from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.detect.graph import CycleGraph
from omniarb.dex.base import PoolBook, PoolState
from omniarb.dex.deployments import traded_deployments
from omniarb.dex.registry import adapter
from omniarb.execute.route_codec import FlashSource, RouteCodec
from omniarb.gas import HopWork
from omniarb.network import ChainManifest, PoolEntry
from omniarb.types import FlashLoan, FlashPool, Hop, Route
from omniarb.wiring import EXECUTOR_GAS

TX_GAS = 3_000_000
CHEAP, DEAR = "cheap", "dear"
WHALE_ETH = 300 * 10**18
WHALE_USDC = 900_000 * 10**6
# The pools by label: the native pool, V4's WETH/USDC pool, and Uniswap V2's WETH/USDC pair.
NATIVE, V4, V2 = "native", "v4", "v2"


@dataclass(frozen=True, slots=True, kw_only=True)
class NativeCase:
    """A route as (pool label, symbol it sells) legs, from the state `gap` leaves, funded by
    `loan`; `amount_in` is in the start token's base units."""

    name: str
    gap: str
    legs: tuple[tuple[str, str], ...]
    loan: FlashLoan
    amount_in: int


def _weth(amount: int) -> int:
    return amount * 10**18


def _usdc(amount: int) -> int:
    return amount * 10**6


CASES = (
    # ETH cheap in the native pool: buy it there.
    NativeCase(
        name="v2 then native out, last",
        gap=CHEAP,
        legs=((V2, "WETH"), (NATIVE, "USDC")),
        loan=FlashLoan.OWN_PAIR,
        amount_in=_weth(4),
    ),
    NativeCase(
        name="v4 then native out, last",
        gap=CHEAP,
        legs=((V4, "WETH"), (NATIVE, "USDC")),
        loan=FlashLoan.OWN_PAIR,
        amount_in=_weth(4),
    ),
    NativeCase(
        name="native out first, into a v2 pair",
        gap=CHEAP,
        legs=((NATIVE, "USDC"), (V2, "WETH")),
        loan=FlashLoan.OWN_PAIR,
        amount_in=_usdc(12_000),
    ),
    NativeCase(
        name="native out first, into the manager for v4",
        gap=CHEAP,
        legs=((NATIVE, "USDC"), (V4, "WETH")),
        loan=FlashLoan.OWN_PAIR,
        amount_in=_usdc(12_000),
    ),
    NativeCase(
        name="native out first on a Vault loan",
        gap=CHEAP,
        legs=((NATIVE, "USDC"), (V2, "WETH")),
        loan=FlashLoan.BALANCER_V2,
        amount_in=_usdc(12_000),
    ),
    # ETH dear in the native pool: sell it there.
    NativeCase(
        name="native in first, borrowed as the coin, then v2",
        gap=DEAR,
        legs=((NATIVE, "WETH"), (V2, "USDC")),
        loan=FlashLoan.OWN_PAIR,
        amount_in=_weth(4),
    ),
    NativeCase(
        name="native in first, borrowed as the coin, then v4",
        gap=DEAR,
        legs=((NATIVE, "WETH"), (V4, "USDC")),
        loan=FlashLoan.OWN_PAIR,
        amount_in=_weth(4),
    ),
    NativeCase(
        name="v2 lends, then native in, last",
        gap=DEAR,
        legs=((V2, "USDC"), (NATIVE, "WETH")),
        loan=FlashLoan.OWN_PAIR,
        amount_in=_usdc(12_000),
    ),
    NativeCase(
        name="v4 then native in, last",
        gap=DEAR,
        legs=((V4, "USDC"), (NATIVE, "WETH")),
        loan=FlashLoan.OWN_PAIR,
        amount_in=_usdc(12_000),
    ),
    NativeCase(
        name="the manager lends, v2 then native in",
        gap=DEAR,
        legs=((V2, "USDC"), (NATIVE, "WETH")),
        loan=FlashLoan.V4_POOL_MANAGER,
        amount_in=_usdc(12_000),
    ),
    NativeCase(
        name="native in first on an Aave loan",
        gap=DEAR,
        legs=((NATIVE, "WETH"), (V2, "USDC")),
        loan=FlashLoan.AAVE_V3,
        amount_in=_weth(4),
    ),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class NativeRun:
    """One case executed: what the states predicted, what the chain did."""

    case: NativeCase
    route: Route
    predicted_profit: int  # the states' chained amount_out minus amount in and the loan's fee
    simulated_profit: int  # `execute`'s return value, as an eth_call
    realized_profit: int  # the executor's balance of the start token, after minus before
    native_left: int  # the executor's native coin after the trade
    gas_used: int
    gas_estimate: int


def pools(chain: ChainManifest) -> dict[str, PoolEntry]:
    """The three pools the cases trade, by label."""

    def pick(kind: str, symbols: set[str], fee: int | None = None) -> PoolEntry:
        return next(
            p
            for p in chain.pools
            if p.kind == kind and {p.symbol0, p.symbol1} == symbols and fee in (None, p.fee)
        )

    return {
        NATIVE: pick("uniswap-v4", {"ETH", "USDC"}),
        V4: pick("uniswap-v4", {"WETH", "USDC"}, 500),
        V2: pick("uniswap-v2", {"WETH", "USDC"}),
    }


def books(chain: ChainManifest, rpc: RpcClient) -> list[PoolBook[Any]]:
    """Every traded kind's book of the chain, built as the product builds them."""
    return [
        adapter(kind).book(rpc=rpc, chain_id=chain.chain_id, dexes=dexes)
        for kind, dexes in traded_deployments(chain).items()
    ]


async def season(rpc: RpcClient, chain: ChainManifest) -> None:
    """The three pools swapped a little each way by a trader: a pool's first swap in a
    direction writes storage from zero, which the gas model leaves out."""
    by_label = pools(chain)
    trader = chain.traders[0]
    small = {"ETH": 10**15, "WETH": 10**15, "USDC": 3 * 10**6}
    for label in (NATIVE, V4):
        pool = by_label[label]
        for token, symbol in ((pool.token0, pool.symbol0), (pool.token1, pool.symbol1)):
            await v4_trade(rpc, chain, pool, token, small[symbol])
    pair = by_label[V2]
    swap = "swapExactTokensForTokens(uint256,uint256,address[],address,uint256)"
    for path in ((pair.token0, pair.token1), (pair.token1, pair.token0)):
        symbol = chain.token_by_address(path[0]).symbol
        data = encode_call(swap, small[symbol], 0, list(path), trader, DEADLINE)
        tx = {"from": trader, "to": chain.dex(pair.dex).router, "data": data, "gas": "0x7a120"}
        await mined_receipt(rpc, await rpc.call("eth_sendTransaction", tx))


async def open_gap(rpc: RpcClient, chain: ChainManifest, gap: str) -> None:
    """The whale's swap through the native pool: ETH sold into it, or bought with USDC."""
    native = pools(chain)[NATIVE]
    if gap == CHEAP:
        await v4_trade(rpc, chain, native, native.token0, WHALE_ETH)
    else:
        await v4_trade(rpc, chain, native, chain.token("USDC").address, WHALE_USDC)


async def read_states(chain: ChainManifest, rpc: RpcClient) -> dict[str, PoolState]:
    """Every pool of the chain at its head, by lowercase address, as the books read them."""
    kept = books(chain, rpc)
    head = await kept[0].head()
    return {s.address.lower(): s for book in kept for s in await book.discover_at(head)}


def route_of(
    chain: ChainManifest, states: dict[str, PoolState], case: NativeCase
) -> tuple[Route, list[PoolState]]:
    """The case's route, each hop as the product's graph builds it, and the hops' states."""
    weth, usdc = chain.token("WETH").address, chain.token("USDC").address
    graph = CycleGraph(chain_id=chain.chain_id, base_tokens=[weth, usdc])
    graph.add_pools(states.values())
    by_label = pools(chain)
    hops: list[Hop] = []
    for label, symbol in case.legs:
        pool = graph.pool(by_label[label].address)
        sold = chain.token(symbol).address
        hops.append(pool.forward if pool.forward.token_in == sold else pool.backward)
    route = Route(chain_id=chain.chain_id, hops=tuple(hops))
    return route, [states[hop.pool.lower()] for hop in hops]


def _lender(chain: ChainManifest, case: NativeCase, start: str) -> tuple[FlashSource, Any, int]:
    """The plan's source, its lender record (None: none) and the loan's fee."""
    if case.loan is FlashLoan.OWN_PAIR:
        return FlashSource.V2_PAIR, None, 0
    if case.loan is FlashLoan.BALANCER_V2:
        return FlashSource.BALANCER_VAULT, None, 0
    if case.loan is FlashLoan.AAVE_V3:
        fee_pips = chain.lender("aave-v3").fee_pips
        return FlashSource.AAVE_V3, None, flash_fee(FlashLoan.AAVE_V3, fee_pips, case.amount_in)
    dex = chain.dex("uniswap-v4")
    record = FlashPool(
        pool=dex.factory, dex=dex.name, kind=dex.kind, token0=start, token1=start, fee_pips=0
    )
    return FlashSource.UNISWAP_V4, record, 0


async def execute_case(
    rpc: RpcClient,
    chain: ChainManifest,
    executor: str,
    codec: RouteCodec,
    states: dict[str, PoolState],
    case: NativeCase,
) -> NativeRun:
    """Send the bot's trade of `case` on the current state (the gap's) and measure it."""
    route, hop_states = route_of(chain, states, case)
    amount = case.amount_in
    work = []
    for hop, state in zip(route.hops, hop_states, strict=True):
        curve = state.piecewise(hop.zero_for_one)
        swap = None if curve is None else curve.swap_exact_in(amount)
        crossings, steps = (0, 0) if swap is None else (swap.crossings, swap.steps)
        work.append(HopWork.of(hop, crossings=crossings, steps=steps))
        amount = state.amount_out(hop.token_in, amount)
    source, record, fee = _lender(chain, case, route.token_in)
    predicted = amount - case.amount_in - fee
    assert predicted > 0, (case.name, predicted)
    data = codec.calldata(
        route,
        case.amount_in,
        predicted,
        source,
        flash_pool=record,
        deadline_block=FAR_DEADLINE_BLOCK,
    )
    tx = {"from": BOT, "to": executor, "data": "0x" + data.hex(), "gas": hex(TX_GAS)}
    (simulated,) = decode(["uint256"], await rpc.call("eth_call", tx, "latest"))
    before = await balance_of(rpc, route.token_in, executor)
    receipt = await mined_receipt(rpc, await rpc.call("eth_sendTransaction", tx))
    after = await balance_of(rpc, route.token_in, executor)
    native_left = int(await rpc.call("eth_getBalance", executor, "latest"), 16)
    return NativeRun(
        case=case,
        route=route,
        predicted_profit=predicted,
        simulated_profit=simulated,
        realized_profit=after - before,
        native_left=native_left,
        gas_used=int(receipt["gasUsed"], 16),
        gas_estimate=EXECUTOR_GAS.hops_gas(work) + EXECUTOR_GAS.loan_gas(case.loan),
    )

"""Properties of OmniArbExecutor on a real devnet chain (anvil, the npm Uniswap V2 pairs, a planted
arbitrage), checked over generated inputs with hypothesis (derandomized: the same examples on
every run, so CI is reproducible; a fixed, small budget):

- random call sequences by callers that are not the owner (an outsider, a trader, an account the
  owner authorized to `execute` and nothing else) through every admin function, `execute`,
  `executeAndPayCoinbase`, every lender and pool callback and a plain native-coin transfer: every
  call reverts with the contract's own refusal (`NotOwner`, `NotExecutor`, `UnexpectedCallback`,
  `NotPendingOwner`), and afterwards the executor's token and native balances, its owner,
  pending owner, executors, lenders, registry and allowances to the Vault are what they were;
- a trade whose `minProfit` exceeds what it makes (any size, either flash source) always reverts
  with `InsufficientProfit(what it makes, minProfit)`, to the wei of the off-chain prediction;
- a plan whose deadline block is behind the block it runs in always reverts with
  `Expired(block, deadline)`, whatever else it says (sources, amounts, hops, garbage), and a
  mined one costs little gas; a deadline equal to the block still trades.

Each property runs inside one devnet; hypothesis drives a synchronous body in a worker thread
(each example runs its own event loop against the node), and every example that sends
transactions runs inside an anvil snapshot it reverts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from _executor_calls import (
    BOT,
    CHAIN,
    OUTSIDER,
    TRADER,
    call_error,
    encode_bytes,
    wait_receipt,
)
from _lender_helpers import fill_wrapped_native
from _plans import FAR_DEADLINE_BLOCK
from _snapshots import snapshot
from _v2_arbitrage import (
    SPARE,
    amount_out,
    deployed,
    plant_gap_and_find,
    reserves_at,
    send_tx,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omniarb.chains.abi import encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.devnet import dev_account
from omniarb.execute.route_codec import FlashSource, RouteCodec, wrap_plan
from omniarb.types import Route

pytestmark = pytest.mark.integration

# Authorized to `execute` by the owner, and to nothing else.
TRADE_ONLY = dev_account(8).address
UNAUTHORIZED = (OUTSIDER, TRADER, SPARE, TRADE_ONLY)
# A late `execute` reverts before any loan or swap: the transaction's base cost, its calldata
# and a few storage reads.
EXPIRED_GAS_CEILING = 40_000
_BASE_SETTINGS = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

ADMIN = {
    "setExecutor(address,bool)": ("address", "bool"),
    "setFactory(address,bytes32)": ("address", "bytes32"),
    "setBalancerVault(address)": ("address",),
    "setAavePool(address)": ("address",),
    "transferOwnership(address)": ("address",),
    "withdraw(address,uint256,address)": ("address", "uint256", "address"),
    "withdrawNative(uint256,address)": ("uint256", "address"),
}
CALLBACKS = {
    "uniswapV2Call(address,uint256,uint256,bytes)": ("address", "uint256", "uint256", "bytes"),
    "uniswapV3SwapCallback(int256,int256,bytes)": ("int256", "int256", "bytes"),
    "pancakeV3SwapCallback(int256,int256,bytes)": ("int256", "int256", "bytes"),
    "algebraSwapCallback(int256,int256,bytes)": ("int256", "int256", "bytes"),
    "uniswapV3FlashCallback(uint256,uint256,bytes)": ("uint256", "uint256", "bytes"),
    "algebraFlashCallback(uint256,uint256,bytes)": ("uint256", "uint256", "bytes"),
    "receiveFlashLoan(address[],uint256[],uint256[],bytes)": (
        "address[]",
        "uint256[]",
        "uint256[]",
        "bytes",
    ),
    "executeOperation(address,uint256,uint256,address,bytes)": (
        "address",
        "uint256",
        "uint256",
        "address",
        "bytes",
    ),
    "unlockCallback(bytes)": ("bytes",),
}


@dataclass(frozen=True)
class World:
    """What the examples share: the node, the deployed executor and the planted arbitrage."""

    url: str
    executor: str
    owner: str
    tokens: tuple[str, ...]
    addresses: tuple[str, ...]
    routes: tuple[tuple[Route, dict[str, tuple[int, int]]], ...]
    good_plans: tuple[bytes, ...]
    vault: str
    factory: str
    codec: RouteCodec


def run_examples(test: Callable[[], None]) -> Awaitable[None]:
    """Run a hypothesis test (synchronous, one event loop per example) off the test's loop."""
    return asyncio.to_thread(test)


def in_loop(url: str, body: Callable[[RpcClient], Awaitable[None]]) -> None:
    async def run() -> None:
        async with RpcClient(url) as rpc:
            await body(rpc)

    asyncio.run(run())


async def world(rpc: RpcClient, chain: Any) -> World:
    """A deployed executor holding WETH (a trade's profit), USDC and native coin; the planted
    gap's best 2- and 3-hop routes with the reserves they are priced on."""
    s = await deployed(rpc, chain)
    executor = s.executor.address
    await s.executor.set_executor(BOT, TRADE_ONLY, allowed=True)
    arb = await plant_gap_and_find(rpc, chain, 2)
    arb3 = await plant_gap_and_find(rpc, chain, 3)
    pools = [p for p in chain.pools if p.kind == "uniswap-v2"]
    reserves = await reserves_at(rpc, pools, "latest")
    vault = chain.lender("balancer-v2").address
    await fill_wrapped_native(rpc, chain, vault, 10**22)
    weth, usdc = chain.token("WETH").address, chain.token("USDC").address
    # Something to steal: WETH and USDC from the trader, native coin set directly.
    await fill_wrapped_native(rpc, chain, executor, 5 * 10**18)
    receipt = await send_tx(
        rpc, TRADER, usdc, encode_call("transfer(address,uint256)", executor, 10**9)
    )
    assert int(receipt["status"], 16) == 1
    await rpc.call("anvil_setBalance", executor, hex(10**18))
    good = tuple(
        s.codec.plan(a.route, a.amount_in, 1, deadline_block=FAR_DEADLINE_BLOCK)
        for a in (arb, arb3)
    )
    return World(
        url=chain.rpc_http,
        executor=executor,
        owner=BOT,
        tokens=tuple(t.address for t in chain.tokens),
        addresses=(
            *UNAUTHORIZED,
            BOT,
            executor,
            weth,
            usdc,
            vault,
            chain.dex("uniswap-v2").factory,
            *(p.address for p in pools[:3]),
        ),
        routes=((arb.route, reserves), (arb3.route, reserves)),
        good_plans=good,
        vault=vault,
        factory=chain.dex("uniswap-v2").factory,
        codec=s.codec,
    )


async def state_of(rpc: RpcClient, w: World) -> dict[str, Any]:
    """Everything an unauthorized caller must not change."""
    calls: list[tuple[str, str, str]] = [
        ("owner", w.executor, encode_call("owner()")),
        ("pendingOwner", w.executor, encode_call("pendingOwner()")),
        ("balancerVault", w.executor, encode_call("balancerVault()")),
        ("aavePool", w.executor, encode_call("aavePool()")),
        ("factory", w.executor, encode_call("initCodeHashOf(address)", w.factory)),
    ]
    calls += [
        (f"isExecutor {a}", w.executor, encode_call("isExecutor(address)", a))
        for a in (*UNAUTHORIZED, BOT)
    ]
    calls += [(f"balance {t}", t, encode_call("balanceOf(address)", w.executor)) for t in w.tokens]
    calls += [
        (f"allowance {t}", t, encode_call("allowance(address,address)", w.executor, w.vault))
        for t in w.tokens
    ]
    answers = await rpc.batch(
        [("eth_call", [{"to": to, "data": data}, "latest"]) for _, to, data in calls]
    )
    state = {name: answer for (name, _, _), answer in zip(calls, answers, strict=True)}
    state["native"] = await rpc.call("eth_getBalance", w.executor, "latest")
    return state


def args_for(types: tuple[str, ...], addresses: tuple[str, ...]) -> st.SearchStrategy[tuple]:
    """Arguments of the given ABI types: addresses that matter here, amounts small and huge."""
    address = st.sampled_from(addresses)
    uint = st.one_of(st.integers(0, 10**6), st.integers(0, 2**256 - 1))
    by_type: dict[str, st.SearchStrategy[Any]] = {
        "address": address,
        "bool": st.booleans(),
        "bytes32": st.binary(min_size=32, max_size=32),
        "uint256": uint,
        "int256": st.integers(-(2**255), 2**255 - 1),
        "bytes": st.binary(max_size=300),
        "address[]": st.lists(address, max_size=2),
        "uint256[]": st.lists(uint, max_size=2),
    }
    return st.tuples(*(by_type[t] for t in types))


@st.composite
def unauthorized_call(draw: st.DrawFn, w: World) -> tuple[str, str, int, set[str]]:
    """(caller, calldata hex, value, the refusals it may meet) for a caller who is not the owner."""
    caller = draw(st.sampled_from(UNAUTHORIZED))
    kind = draw(st.sampled_from(("admin", "execute", "bribed", "callback", "accept", "coin")))
    if kind == "admin":
        signature = draw(st.sampled_from(sorted(ADMIN)))
        args = draw(args_for(ADMIN[signature], w.addresses))
        return caller, encode_call(signature, *args), 0, {"NotOwner"}
    if kind == "accept":
        return caller, encode_call("acceptOwnership()"), 0, {"NotPendingOwner"}
    if kind == "coin":
        return caller, "0x", draw(st.integers(1, 10**18)), {"UnexpectedCallback"}
    if kind in ("execute", "bribed"):
        plan = draw(st.one_of(st.sampled_from(w.good_plans), st.binary(max_size=400)))
        # The authorized executor may trade: only those who may not are drawn for these.
        caller = draw(st.sampled_from(tuple(a for a in UNAUTHORIZED if a != TRADE_ONLY)))
        if kind == "execute":
            return caller, "0x" + wrap_plan(plan).hex(), 0, {"NotExecutor"}
        bps = draw(st.integers(0, 10_000))
        data = encode_call("executeAndPayCoinbase(bytes,uint256)", plan, bps)
        return caller, data, 0, {"NotExecutor"}
    signature = draw(st.sampled_from(sorted(CALLBACKS)))
    args = draw(args_for(CALLBACKS[signature], w.addresses))
    return caller, encode_call(signature, *args), 0, {"UnexpectedCallback"}


async def test_no_sequence_of_unauthorized_calls_succeeds_or_changes_anything(
    devnet_factory: Any,
) -> None:
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            w = await world(rpc, chain)
            # The owner may make every admin call (checked without sending): only the caller
            # differs from what the examples refuse.
            for signature, data in (
                ("setExecutor", encode_call("setExecutor(address,bool)", OUTSIDER, True)),
                ("setAavePool", encode_call("setAavePool(address)", OUTSIDER)),
                ("setBalancerVault", encode_call("setBalancerVault(address)", OUTSIDER)),
                ("transferOwnership", encode_call("transferOwnership(address)", OUTSIDER)),
                ("withdraw", encode_call("withdraw(address,uint256,address)", w.tokens[0], 1, BOT)),
                ("withdrawNative", encode_call("withdrawNative(uint256,address)", 1, BOT)),
            ):
                tx = {"from": BOT, "to": w.executor, "data": data}
                assert await rpc.call("eth_call", tx, "latest") is not None, signature
            before = await state_of(rpc, w)

        @settings(_BASE_SETTINGS, max_examples=200)
        @given(st.lists(unauthorized_call(w), min_size=1, max_size=5))
        def sequences(calls: list[tuple[str, str, int, set[str]]]) -> None:
            async def body(rpc: RpcClient) -> None:
                async with snapshot(rpc):
                    for caller, data, value, refusals in calls:
                        if data != "0x":
                            name, args = await call_error(rpc, caller, w.executor, data)
                            assert name in refusals, (name, args, refusals)
                            assert args == (caller,), (name, args)
                        tx = {
                            "from": caller,
                            "to": w.executor,
                            "data": data,
                            "value": hex(value),
                            "gas": hex(1_000_000),
                        }
                        receipt = await send_tx_raw(rpc, tx)
                        assert int(receipt["status"], 16) == 0, (caller, data[:10])
                    assert await state_of(rpc, w) == before

            in_loop(w.url, body)

        await run_examples(sequences)


async def send_tx_raw(rpc: RpcClient, tx: dict[str, str]) -> dict[str, Any]:
    return await wait_receipt(rpc, await rpc.call("eth_sendTransaction", tx))


async def test_a_trade_short_of_its_min_profit_always_reverts_insufficient_profit(
    devnet_factory: Any,
) -> None:
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            w = await world(rpc, chain)

        @settings(_BASE_SETTINGS, max_examples=200)
        @given(
            st.integers(0, len(w.routes) - 1),
            st.integers(10**12, 10**20),
            st.integers(1, 10**24),
            st.sampled_from((FlashSource.V2_PAIR, FlashSource.BALANCER_VAULT)),
        )
        def short(route_index: int, amount_in: int, excess: int, source: FlashSource) -> None:
            route, reserves = w.routes[route_index]
            made = max(amount_out(route, reserves, amount_in) - amount_in, 0)
            min_profit = made + excess
            data = w.codec.calldata(
                route, amount_in, min_profit, source, deadline_block=FAR_DEADLINE_BLOCK
            )

            async def body(rpc: RpcClient) -> None:
                error = await call_error(rpc, BOT, w.executor, data)
                assert error == ("InsufficientProfit", (made, min_profit)), (error, made)

            in_loop(w.url, body)

        await run_examples(short)


async def test_a_plan_past_its_deadline_always_reverts_expired_first_and_cheaply(
    devnet_factory: Any,
) -> None:
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            w = await world(rpc, chain)
            # The boundary: a deadline equal to the block the trade is mined in still trades;
            # one block earlier it reverts, and nothing moves.
            plan = w.good_plans[0]
            head = int(await rpc.call("eth_blockNumber"), 16)
            async with snapshot(rpc):
                on_time = wrap_plan(plan[:33] + (head + 1).to_bytes(8, "big") + plan[41:])
                receipt = await send_tx(rpc, BOT, w.executor, on_time)
                assert int(receipt["status"], 16) == 1
            late = wrap_plan(plan[:33] + head.to_bytes(8, "big") + plan[41:])
            before = await state_of(rpc, w)
            async with snapshot(rpc):
                receipt = await send_tx(rpc, BOT, w.executor, late)
                assert int(receipt["status"], 16) == 0
                assert int(receipt["blockNumber"], 16) == head + 1
                assert int(receipt["gasUsed"], 16) < EXPIRED_GAS_CEILING
                assert await state_of(rpc, w) == before

        @settings(_BASE_SETTINGS, max_examples=200)
        @given(
            st.one_of(st.sampled_from(w.good_plans), st.binary(min_size=41, max_size=400)),
            st.integers(1, 10**6),
            st.sampled_from((BOT, TRADE_ONLY)),
            st.booleans(),
            st.integers(0, 10_000),
        )
        def late_plans(plan: bytes, behind: int, caller: str, mined: bool, bps: int) -> None:
            async def body(rpc: RpcClient) -> None:
                head = int(await rpc.call("eth_blockNumber"), 16)
                # anvil's `eth_call` on "latest" runs in the head's block (a sent transaction
                # in the next one): a deadline behind the head is past for both.
                deadline = max(head - behind, 0)
                late = plan[:33] + deadline.to_bytes(8, "big") + plan[41:]
                for data in (
                    wrap_plan(late),
                    encode_bytes("executeAndPayCoinbase(bytes,uint256)", late, bps),
                ):
                    name, args = await call_error(rpc, caller, w.executor, data)
                    assert name == "Expired", (name, args)
                    block, seen_deadline = args
                    assert seen_deadline == deadline
                    assert block > deadline
                if mined:
                    async with snapshot(rpc):
                        receipt = await send_tx(rpc, caller, w.executor, wrap_plan(late))
                        assert int(receipt["status"], 16) == 0
                        assert int(receipt["gasUsed"], 16) < EXPIRED_GAS_CEILING

            in_loop(w.url, body)

        await run_examples(late_plans)

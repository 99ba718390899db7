"""OmniArbExecutor on a real devnet chain, trading through the real Uniswap V2 pairs.

Planted arbitrage: a trader's large router swap opens a gap; the executor, called by the bot,
trades the best 2-hop and 3-hop cycles through a flash swap, and the profit it keeps equals
`get_amount_out` chained over the reserves of the block before, to the wei (read both from the
contract's balance and from the receipt's Transfer logs). Then every way in that must fail does:
callers that are not executors, callbacks from outside or from a contract that only poses as a
pair, an unmet `minProfit` (which moves no token), unknown plan fields, and admin functions
called by anyone but the owner. The other flash sources and V3 hops are tested in
test_executor_flash_sources.py.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from _lender_helpers import fill_wrapped_native
from _receipts import mined_receipt
from eth_utils.address import to_checksum_address

from omniarb.chains.abi import decode, encode_args, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.contracts.build import compile_sources
from omniarb.devnet import dev_account
from omniarb.dex.uniswap_v2.math import get_amount_out
from omniarb.errors import RpcError
from omniarb.execute.executor_contract import (
    UNISWAP_V2_PAIR_INIT_CODE_HASH,
    ExecutorContract,
    ExecutorRevertError,
    decode_executor_revert,
    deploy_devnet_executor,
    v2_factories,
)
from omniarb.execute.route_codec import FlashSource, RouteCodec, wrap_plan
from omniarb.network import ChainManifest, PoolEntry
from omniarb.types import Hop, Route

pytestmark = pytest.mark.integration

CHAIN = "ethereum"
BOT = dev_account(9).address
TRADER = dev_account(1).address
OUTSIDER = dev_account(10).address
SPARE = dev_account(11).address
DEADLINE = 2**32 - 1
TX_GAS = 1_000_000
# keccak256("Transfer(address,address,uint256)")
TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
SWAP_EXACT = "swapExactTokensForTokens(uint256,uint256,address[],address,uint256)"


# ---------------------------------------------------------------------------- chain plumbing


async def send_tx(rpc: RpcClient, sender: str, to: str, data: bytes | str) -> dict[str, Any]:
    """Send from an unlocked account with a fixed gas limit (no estimate, so a reverting
    transaction is mined with status 0 instead of refused); return its receipt."""
    data_hex = data if isinstance(data, str) else "0x" + data.hex()
    tx = {"from": sender, "to": to, "data": data_hex, "gas": hex(TX_GAS)}
    return await wait_receipt(rpc, await rpc.call("eth_sendTransaction", tx))


async def wait_receipt(rpc: RpcClient, tx_hash: str) -> dict[str, Any]:
    return await mined_receipt(rpc, tx_hash, succeeded=False)


async def call_error(rpc: RpcClient, sender: str, to: str, data: bytes) -> tuple[str, tuple]:
    """`eth_call` that must revert: the executor's custom error name and arguments."""
    with pytest.raises(RpcError) as caught:
        await rpc.call("eth_call", {"from": sender, "to": to, "data": "0x" + data.hex()}, "latest")
    reason = decode_executor_revert(caught.value.data)
    assert reason.name is not None, reason.message
    return reason.name, tuple(_plain(arg) for arg in reason.args)


def _plain(arg: Any) -> Any:
    """Decoded addresses come lower-case; compare them checksummed like the manifest's."""
    if isinstance(arg, str) and arg.startswith("0x") and len(arg) == 42:
        return str(to_checksum_address(arg))
    return arg


async def balance_of(rpc: RpcClient, token: str, holder: str, block: str = "latest") -> int:
    data = encode_call("balanceOf(address)", holder)
    answer = await rpc.call("eth_call", {"to": token, "data": data}, block)
    return int(decode(["uint256"], answer)[0])


async def reserves_at(
    rpc: RpcClient, pools: Sequence[PoolEntry], block: str
) -> dict[str, tuple[int, int]]:
    answers = await rpc.batch(
        [
            ("eth_call", [{"to": p.address, "data": encode_call("getReserves()")}, block])
            for p in pools
        ]
    )
    reserves = {}
    for pool, answer in zip(pools, answers, strict=True):
        reserve0, reserve1, _ = decode(["uint112", "uint112", "uint32"], answer)
        reserves[pool.address] = (int(reserve0), int(reserve1))
    return reserves


def transfers_of(receipt: dict[str, Any], token: str, holder: str) -> int:
    """Net amount of `token` that the receipt's Transfer logs moved into `holder`."""
    holder_topic = "0x" + "00" * 12 + holder.lower()[2:]
    net = 0
    for log in receipt["logs"]:
        if log["address"].lower() != token.lower() or log["topics"][0] != TRANSFER_TOPIC:
            continue
        amount = int(log["data"], 16)
        net += amount if log["topics"][2] == holder_topic else 0
        net -= amount if log["topics"][1] == holder_topic else 0
    return net


async def simulate(rpc: RpcClient, sender: str, to: str, data: bytes) -> int:
    answer = await rpc.call(
        "eth_call", {"from": sender, "to": to, "data": "0x" + data.hex()}, "latest"
    )
    return int(decode(["uint256"], answer)[0])


def encode_bytes(signature: str, *args: Any) -> bytes:
    return bytes.fromhex(encode_call(signature, *args)[2:])


def pool_entry(chain: ChainManifest, address: str) -> PoolEntry:
    return next(p for p in chain.pools if p.address == address)


# ---------------------------------------------------------------------------- routes and math


def hop(pool: PoolEntry, token_in: str) -> Hop:
    token_out = pool.token1 if token_in == pool.token0 else pool.token0
    return Hop(
        pool=pool.address,
        dex=pool.dex,
        kind=pool.kind,
        token_in=token_in,
        token_out=token_out,
        zero_for_one=token_in == pool.token0,
        fee_pips=pool.fee,
    )


def cycles(chain: ChainManifest, start: str, length: int) -> list[Route]:
    """Every cycle of `length` distinct V2 pools that starts and ends in `start`."""
    pools = [p for p in chain.pools if p.kind == "uniswap-v2"]
    routes = []
    for combo in itertools.permutations(pools, length):
        token, hops = start, []
        for pool in combo:
            if token not in (pool.token0, pool.token1):
                break
            hops.append(hop(pool, token))
            token = hops[-1].token_out
        else:
            if token == start:
                routes.append(Route(chain_id=chain.chain_id, hops=tuple(hops)))
    return routes


def amount_out(route: Route, reserves: dict[str, tuple[int, int]], amount_in: int) -> int:
    """The route's output: `get_amount_out` chained hop by hop, fee from the hop."""
    amount = amount_in
    for h in route.hops:
        if amount == 0:  # a dust input rounds to nothing on the way (the pair would revert)
            return 0
        reserve0, reserve1 = reserves[h.pool]
        reserve_in, reserve_out = (reserve0, reserve1) if h.zero_for_one else (reserve1, reserve0)
        amount = get_amount_out(amount, reserve_in, reserve_out, h.fee_pips // 100)
    return amount


def best_amount_in(route: Route, reserves: dict[str, tuple[int, int]]) -> tuple[int, int]:
    """(amount in, profit) near the most profitable size: integer ternary search."""
    first = route.hops[0]
    low, high = 1, reserves[first.pool][0 if first.zero_for_one else 1] // 2
    while high - low > 2:
        a, b = low + (high - low) // 3, high - (high - low) // 3
        if amount_out(route, reserves, a) - a < amount_out(route, reserves, b) - b:
            low = a
        else:
            high = b
    best = max(range(low, high + 1), key=lambda x: amount_out(route, reserves, x) - x)
    return best, amount_out(route, reserves, best) - best


@dataclass
class Arb:
    route: Route
    amount_in: int
    profit: int
    block: str


async def plant_gap_and_find(rpc: RpcClient, chain: ChainManifest, hops: int) -> Arb:
    """Dump 800 WETH into uniswap-v2's WETH/USDC through its router, then pick the best cycle
    of `hops` pools from WETH on the reserves of the resulting block."""
    weth, usdc = chain.token("WETH").address, chain.token("USDC").address
    router = chain.dex("uniswap-v2").router
    data = encode_call(SWAP_EXACT, 800 * 10**18, 0, [weth, usdc], TRADER, DEADLINE)
    receipt = await send_tx(rpc, TRADER, router, data)
    assert int(receipt["status"], 16) == 1
    block = receipt["blockNumber"]
    pools = [p for p in chain.pools if p.kind == "uniswap-v2"]
    reserves = await reserves_at(rpc, pools, block)
    sized = []
    for route in cycles(chain, weth, hops):
        amount_in, profit = best_amount_in(route, reserves)
        sized.append(Arb(route=route, amount_in=amount_in, profit=profit, block=block))
    best = max(sized, key=lambda arb: arb.profit)
    assert best.profit > 10**15, f"the planted gap left no {hops}-hop arbitrage"
    return best


@dataclass
class Setup:
    rpc: RpcClient
    chain: ChainManifest
    executor: ExecutorContract
    codec: RouteCodec


async def deployed(rpc: RpcClient, chain: ChainManifest) -> Setup:
    executor = await deploy_devnet_executor(rpc, chain, bot=BOT)
    return Setup(rpc=rpc, chain=chain, executor=executor, codec=RouteCodec(v2_factories(chain)))


# ---------------------------------------------------------------------------- planted arbitrage


@pytest.mark.parametrize("hops", [2, 3])
async def test_planted_arbitrage_profit_equals_prediction_to_the_wei(
    devnet_factory: Any, hops: int
) -> None:
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            s = await deployed(rpc, chain)
            arb = await plant_gap_and_find(rpc, chain, hops)
            weth = arb.route.token_in
            assert len(arb.route.hops) == hops
            calldata = s.codec.calldata(arb.route, arb.amount_in, min_profit=arb.profit)
            # The pre-check a bot makes: eth_call returns the profit the trade would keep.
            simulated = await rpc.call(
                "eth_call",
                {"from": BOT, "to": s.executor.address, "data": "0x" + calldata.hex()},
                arb.block,
            )
            assert decode(["uint256"], simulated)[0] == arb.profit

            before = await balance_of(rpc, weth, s.executor.address)
            receipt = await send_tx(rpc, BOT, s.executor.address, calldata)
            assert int(receipt["status"], 16) == 1
            assert int(receipt["blockNumber"], 16) == int(arb.block, 16) + 1
            after = await balance_of(rpc, weth, s.executor.address)

            assert after - before == arb.profit
            assert transfers_of(receipt, weth, s.executor.address) == arb.profit
            # Pair to pair: no other token of the route passed through the executor.
            for h in arb.route.hops[1:]:
                assert not any(
                    log["address"].lower() == h.token_in.lower()
                    and s.executor.address.lower()[2:] in "".join(log["topics"][1:3])
                    for log in receipt["logs"]
                )


async def test_profit_kept_by_the_executor_is_withdrawn_by_the_owner(devnet_factory: Any) -> None:
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            s = await deployed(rpc, chain)
            arb = await plant_gap_and_find(rpc, chain, 2)
            weth = arb.route.token_in
            receipt = await send_tx(
                rpc, BOT, s.executor.address, s.codec.calldata(arb.route, arb.amount_in, 0)
            )
            assert int(receipt["status"], 16) == 1
            held = await balance_of(rpc, weth, s.executor.address)
            assert held == arb.profit

            name, args = await call_error(
                rpc,
                OUTSIDER,
                s.executor.address,
                encode_bytes("withdraw(address,uint256,address)", weth, held, OUTSIDER),
            )
            assert (name, args) == ("NotOwner", (OUTSIDER,))

            spare_before = await balance_of(rpc, weth, SPARE)
            await s.executor.withdraw(BOT, weth, held - 1, SPARE)
            assert await balance_of(rpc, weth, SPARE) - spare_before == held - 1
            assert await balance_of(rpc, weth, s.executor.address) == 1

            # Native coin: sent in through `receive`, out through `withdrawNative`.
            tx = {"from": TRADER, "to": s.executor.address, "value": hex(10**18)}
            await wait_receipt(rpc, await rpc.call("eth_sendTransaction", tx))
            native_before = int(await rpc.call("eth_getBalance", SPARE, "latest"), 16)
            await s.executor.withdraw_native(BOT, 10**18, SPARE)
            native_after = int(await rpc.call("eth_getBalance", SPARE, "latest"), 16)
            assert native_after - native_before == 10**18
            with pytest.raises(ExecutorRevertError, match="NotOwner"):
                await s.executor.withdraw_native(OUTSIDER, 1, OUTSIDER)


# ---------------------------------------------------------------------------- who may call


async def test_only_the_owner_and_executors_may_execute(devnet_factory: Any) -> None:
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            s = await deployed(rpc, chain)
            arb = await plant_gap_and_find(rpc, chain, 2)
            calldata = s.codec.calldata(arb.route, arb.amount_in, 0)
            to = s.executor.address

            assert await call_error(rpc, OUTSIDER, to, calldata) == ("NotExecutor", (OUTSIDER,))
            receipt = await send_tx(rpc, OUTSIDER, to, calldata)
            assert int(receipt["status"], 16) == 0
            assert receipt["logs"] == []

            await s.executor.set_executor(BOT, SPARE, allowed=True)
            assert await s.executor.is_executor(SPARE)
            assert await simulate(rpc, SPARE, to, calldata) == arb.profit
            await s.executor.set_executor(BOT, SPARE, allowed=False)
            assert await call_error(rpc, SPARE, to, calldata) == ("NotExecutor", (SPARE,))

            # The owner may trade even when it is not listed as an executor.
            await s.executor.set_executor(BOT, BOT, allowed=False)
            assert await simulate(rpc, BOT, to, calldata) == arb.profit


async def test_callbacks_from_outside_a_flash_swap_are_rejected(devnet_factory: Any) -> None:
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            s = await deployed(rpc, chain)
            arb = await plant_gap_and_find(rpc, chain, 2)
            plan = s.codec.plan(arb.route, arb.amount_in, 0)
            to = s.executor.address
            callback = encode_bytes(
                "uniswapV2Call(address,uint256,uint256,bytes)", to, 0, 10**6, plan
            )
            # Anyone calling the callback directly, the owner included.
            for caller in (OUTSIDER, BOT):
                assert await call_error(rpc, caller, to, callback) == (
                    "UnexpectedCallback",
                    (caller,),
                )
            # A genuine pair, swapped by an outsider with the executor as recipient: the pair
            # calls back, but no flash swap of ours is in progress.
            lender = arb.route.hops[-1]
            amount0, amount1 = (0, 10**6) if lender.zero_for_one else (10**6, 0)
            swap = encode_bytes("swap(uint256,uint256,address,bytes)", amount0, amount1, to, plan)
            assert await call_error(rpc, OUTSIDER, lender.pool, swap) == (
                "UnexpectedCallback",
                (lender.pool,),
            )


FAKE_PAIR_SOURCE = """
// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;
interface ICallee {
    function uniswapV2Call(address, uint256, uint256, bytes calldata) external;
}
/// Answers like a V2 pair but is no pair of any factory: `getReserves` returns what it was
/// given, `swap` moves nothing and calls back exactly as UniswapV2Pair.swap does.
contract FakePair {
    uint112 private immutable reserve0;
    uint112 private immutable reserve1;
    constructor(uint112 r0, uint112 r1) { reserve0 = r0; reserve1 = r1; }
    function getReserves() external view returns (uint112, uint112, uint32) {
        return (reserve0, reserve1, 0);
    }
    function swap(uint256 a0, uint256 a1, address to, bytes calldata data) external {
        ICallee(to).uniswapV2Call(msg.sender, a0, a1, data);
    }
    function poke(address target, bytes calldata data) external {
        ICallee(target).uniswapV2Call(target, 0, 1, data);
    }
}
"""


async def deploy_fake_pair(rpc: RpcClient, tmp_path: Path, reserve0: int, reserve1: int) -> str:
    (tmp_path / "FakePair.sol").write_text(FAKE_PAIR_SOURCE)
    _, output = compile_sources(tmp_path)
    bytecode = output["contracts"]["FakePair.sol"]["FakePair"]["evm"]["bytecode"]["object"]
    data = "0x" + bytecode + encode_args(["uint112", "uint112"], [reserve0, reserve1]).hex()
    tx = {"from": OUTSIDER, "data": data, "gas": hex(TX_GAS)}
    receipt = await wait_receipt(rpc, await rpc.call("eth_sendTransaction", tx))
    return str(to_checksum_address(receipt["contractAddress"]))


async def test_a_contract_posing_as_a_pair_is_rejected(devnet_factory: Any, tmp_path: Path) -> None:
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            s = await deployed(rpc, chain)
            weth, usdc = chain.token("WETH").address, chain.token("USDC").address
            genuine = next(
                p
                for p in chain.pools
                if p.dex == "uniswap-v2" and {p.symbol0, p.symbol1} == {"WETH", "USDC"}
            )
            # The fake "pair" claims the same tokens and factory, with reserves that make
            # USDC → WETH look hugely profitable, so the trade reaches the flash swap.
            usdc_is_0 = int(usdc, 16) < int(weth, 16)
            reserves = (10**6, 10**27) if usdc_is_0 else (10**27, 10**6)
            fake = await deploy_fake_pair(rpc, tmp_path, *reserves)
            fake_hop = Hop(
                pool=fake,
                dex="uniswap-v2",
                kind="uniswap-v2",
                token_in=usdc,
                token_out=weth,
                zero_for_one=usdc_is_0,
                fee_pips=3000,
            )
            route = Route(chain_id=chain.chain_id, hops=(hop(genuine, weth), fake_hop))
            calldata = s.codec.calldata(route, 10**18, 0)
            to = s.executor.address
            assert await call_error(rpc, BOT, to, calldata) == ("NotGenuinePair", (fake,))

            # The fake calling back on its own, outside any flash swap.
            poke = encode_bytes("poke(address,bytes)", to, s.codec.plan(route, 10**18, 0))
            assert await call_error(rpc, OUTSIDER, fake, poke) == ("UnexpectedCallback", (fake,))


# ---------------------------------------------------------------------------- what the plan says


async def test_unmet_min_profit_reverts_and_moves_no_token(devnet_factory: Any) -> None:
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            s = await deployed(rpc, chain)
            arb = await plant_gap_and_find(rpc, chain, 3)
            to = s.executor.address
            short = s.codec.calldata(arb.route, arb.amount_in, min_profit=arb.profit + 1)
            assert await call_error(rpc, BOT, to, short) == (
                "InsufficientProfit",
                (arb.profit, arb.profit + 1),
            )
            # A size past break-even loses: the profit is reported as zero.
            first = arb.route.hops[0]
            reserve0, reserve1 = (
                await reserves_at(rpc, [pool_entry(chain, first.pool)], "latest")
            )[first.pool]
            oversized = (reserve0 if first.zero_for_one else reserve1) // 2
            losing = s.codec.calldata(arb.route, oversized, min_profit=0)
            assert await call_error(rpc, BOT, to, losing) == ("InsufficientProfit", (0, 0))

            pools = [pool_entry(chain, h.pool) for h in arb.route.hops]
            reserves_before = await reserves_at(rpc, pools, "latest")
            held_before = await balance_of(rpc, arb.route.token_in, to)
            receipt = await send_tx(rpc, BOT, to, short)
            assert int(receipt["status"], 16) == 0
            assert int(receipt["gasUsed"], 16) > 21_000
            assert receipt["logs"] == []
            assert await reserves_at(rpc, pools, "latest") == reserves_before
            assert await balance_of(rpc, arb.route.token_in, to) == held_before


async def test_unsupported_plan_fields_revert_clearly(devnet_factory: Any) -> None:
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            s = await deployed(rpc, chain)
            arb = await plant_gap_and_find(rpc, chain, 2)
            to = s.executor.address
            route, amount_in = arb.route, arb.amount_in

            plan = s.codec.plan(route, amount_in, 0)
            # Flash sources 0-3 are defined (tests in test_executor_flash_sources.py); 4 is not.
            unknown_source = bytes((4,)) + plan[1:]
            assert await call_error(rpc, BOT, to, wrap_plan(unknown_source)) == (
                "UnsupportedFlashSource",
                (4,),
            )

            assert await call_error(rpc, BOT, to, wrap_plan(plan[:-1])) == (
                "MalformedPlan",
                (len(plan) - 1,),
            )
            one_hop = plan[: 33 + 64]
            assert await call_error(rpc, BOT, to, wrap_plan(one_hop)) == ("MalformedPlan", (97,))

            # Hop kinds 0 (V2) and 1 (V3) are defined; kind 2 in the second hop is not.
            kind_at = 33 + 64 + 60
            unknown_kind = plan[:kind_at] + bytes((2,)) + plan[kind_at + 1 :]
            assert await call_error(rpc, BOT, to, wrap_plan(unknown_kind)) == (
                "UnsupportedHopKind",
                (1, 2),
            )
            # The devnet's Vault holds stablecoins only: give it the WETH this loan takes.
            vault = chain.lender("balancer-v2").address
            await fill_wrapped_native(rpc, chain, vault, amount_in)
            balancer = s.codec.plan(route, amount_in, 0, FlashSource.BALANCER_VAULT)
            unknown_kind = balancer[:kind_at] + bytes((2,)) + balancer[kind_at + 1 :]
            assert await call_error(rpc, BOT, to, wrap_plan(unknown_kind)) == (
                "UnsupportedHopKind",
                (1, 2),
            )

            # The fee comes from the plan: claiming 0.25% on 0.3% pairs asks them for more than
            # they pay, and the pair's constant-product check refuses.
            cheaper = Route(
                chain_id=route.chain_id,
                hops=tuple(dataclasses.replace(h, fee_pips=2500) for h in route.hops),
            )
            with pytest.raises(RpcError) as caught:
                await simulate(rpc, BOT, to, s.codec.calldata(cheaper, amount_in, 0))
            assert decode_executor_revert(caught.value.data).message == "UniswapV2: K"

            # The lender's factory must be registered.
            factory = chain.dex(route.hops[-1].dex).factory
            await s.executor.set_factory(BOT, factory, bytes(32))
            assert await call_error(rpc, BOT, to, s.codec.calldata(route, amount_in, 0)) == (
                "UnknownFactory",
                (factory,),
            )


# ---------------------------------------------------------------------------- administration


async def test_admin_is_owner_only_and_ownership_moves_in_two_steps(devnet_factory: Any) -> None:
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            s = await deployed(rpc, chain)
            e = s.executor
            weth = chain.token("WETH").address
            factory = chain.dex("uniswap-v2").factory
            assert await e.owner() == BOT
            assert await e.init_code_hash_of(factory) == UNISWAP_V2_PAIR_INIT_CODE_HASH
            assert await e.is_executor(BOT)

            attempts = [
                e.set_executor(OUTSIDER, OUTSIDER, allowed=True),
                e.set_factory(OUTSIDER, OUTSIDER, b"\x01" * 32),
                e.transfer_ownership(OUTSIDER, OUTSIDER),
                e.withdraw(OUTSIDER, weth, 0, OUTSIDER),
                e.withdraw_native(OUTSIDER, 0, OUTSIDER),
            ]
            for attempt in attempts:
                with pytest.raises(ExecutorRevertError) as caught:
                    await attempt
                assert caught.value.reason.name == "NotOwner"
                assert _plain(caught.value.reason.args[0]) == OUTSIDER
            with pytest.raises(ExecutorRevertError, match="NotPendingOwner"):
                await e.accept_ownership(OUTSIDER)

            await e.transfer_ownership(BOT, SPARE)
            assert await e.pending_owner() == SPARE
            assert await e.owner() == BOT
            with pytest.raises(ExecutorRevertError, match="NotPendingOwner"):
                await e.accept_ownership(OUTSIDER)
            await e.accept_ownership(SPARE)
            assert await e.owner() == SPARE
            assert int(await e.pending_owner(), 16) == 0
            with pytest.raises(ExecutorRevertError, match="NotOwner"):
                await e.set_executor(BOT, OUTSIDER, allowed=True)
            await e.set_factory(SPARE, OUTSIDER, b"\x01" * 32)
            assert await e.init_code_hash_of(OUTSIDER) == b"\x01" * 32

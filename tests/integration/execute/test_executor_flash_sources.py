"""OmniArbExecutor's four flash sources and its V3 hops, on a real devnet chain.

Planted gaps: a trader's whale sale through the V3 SwapRouter cheapens WETH in the 0.05%
WETH/USDC pool; four cycles then pay: V2 → V3 and V2 → V2 → V3 from WETH, V3 → V2 from USDC
and V3 → V3 from WETH. From that one state (evm_snapshot / evm_revert) each cycle is executed
once with each flash source — a V2 flash swap (from the route's first pair, or from a V2 pair
outside it), the Balancer V2 Vault, Aave V3 and a V3 pool's `flash` — and the profit the
executor keeps (its balance and the receipt's Transfer logs) equals, to the wei, the prediction
made here from the pools' own quotes at that state (V2: the exact formula on `getReserves`; V3:
QuoterV2) minus the lender's fee, which the lender's own balance shows it received. Then every
way in that must fail does: an unmet `minProfit` (no token moves, only gas is spent), a contract
posing as a V3 pool, callbacks from outside a trade for every source, and lender registry misuse.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from _lender_helpers import fill_wrapped_native
from _receipts import mined_receipt
from eth_utils.address import to_checksum_address

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.contracts.build import compile_sources
from omniarb.devnet import dev_account
from omniarb.devnet.anvil import wait_pool_drained
from omniarb.dex.uniswap_v2.math import get_amount_out
from omniarb.errors import RpcError
from omniarb.execute.executor_contract import (
    UNISWAP_V3_POOL_INIT_CODE_HASH,
    ExecutorContract,
    ExecutorRevertError,
    decode_executor_revert,
    deploy_devnet_executor,
    dex_factories,
)
from omniarb.execute.route_codec import FlashPool, FlashSource, RouteCodec, wrap_plan
from omniarb.network import ChainManifest, PoolEntry
from omniarb.types import Hop, Route

pytestmark = pytest.mark.integration

CHAIN = "ethereum"
BOT = dev_account(9).address
TRADER = dev_account(1).address
OUTSIDER = dev_account(10).address
DEADLINE = 2**32 - 1
TX_GAS = 2_000_000
WHALE_WETH = 2_500 * 10**18
VAULT_WETH = 10_000 * 10**18  # more than any cycle here borrows
TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
V3_EXACT_INPUT = (
    "exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))"
)
QUOTE_EXACT_INPUT = "quoteExactInputSingle((address,address,uint256,uint24,uint160))"
PIPS = 1_000_000
SOURCES = tuple(FlashSource)


# ---------------------------------------------------------------------------- chain plumbing


async def wait_receipt(rpc: RpcClient, tx_hash: str) -> dict[str, Any]:
    return await mined_receipt(rpc, tx_hash, succeeded=False)


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


async def call(rpc: RpcClient, to: str, data: bytes | str, sender: str = BOT) -> str:
    payload = data if isinstance(data, str) else "0x" + data.hex()
    answer: str = await rpc.call("eth_call", {"from": sender, "to": to, "data": payload}, "latest")
    return answer


async def call_error(rpc: RpcClient, sender: str, to: str, data: bytes | str) -> tuple[str, tuple]:
    """`eth_call` that must revert: the executor's custom error name and (checksummed) args."""
    with pytest.raises(RpcError) as caught:
        await call(rpc, to, data, sender)
    reason = decode_executor_revert(caught.value.data)
    assert reason.name is not None, reason.message
    return reason.name, tuple(_plain(arg) for arg in reason.args)


def _plain(arg: Any) -> Any:
    if isinstance(arg, str) and arg.startswith("0x") and len(arg) == 42:
        return str(to_checksum_address(arg))
    return arg


def encode_bytes(signature: str, *args: Any) -> bytes:
    return bytes.fromhex(encode_call(signature, *args)[2:])


async def balance_of(rpc: RpcClient, token: str, holder: str) -> int:
    answer = await call(rpc, token, encode_call("balanceOf(address)", holder))
    return int(decode(["uint256"], answer)[0])


def transfers_of(receipt: dict[str, Any], token: str, holder: str) -> int:
    """Net amount of `token` that the receipt's Transfer logs moved into `holder`."""
    topic = "0x" + "00" * 12 + holder.lower()[2:]
    net = 0
    for log in receipt["logs"]:
        if log["address"].lower() != token.lower() or log["topics"][0] != TRANSFER_TOPIC:
            continue
        amount = int(log["data"], 16)
        net += amount if log["topics"][2] == topic else 0
        net -= amount if log["topics"][1] == topic else 0
    return net


@asynccontextmanager
async def snapshot(rpc: RpcClient) -> AsyncIterator[None]:
    snapshot_id = await rpc.call("evm_snapshot")
    try:
        yield
    finally:
        await wait_pool_drained(rpc)
        await rpc.call("evm_revert", snapshot_id)


# ---------------------------------------------------------------------------- pools and quotes


def find_pool(
    chain: ChainManifest, dex: str, symbols: set[str], fee: int | None = None
) -> PoolEntry:
    return next(
        p
        for p in chain.pools
        if p.dex == dex and {p.symbol0, p.symbol1} == symbols and fee in (None, p.fee)
    )


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


def flash_pool(pool: PoolEntry) -> FlashPool:
    return FlashPool(
        pool=pool.address,
        dex=pool.dex,
        kind=pool.kind,
        token0=pool.token0,
        token1=pool.token1,
        fee_pips=pool.fee,
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
    V3 pool for source 3), and the size traded."""

    route: Route
    v2_lender: PoolEntry | None
    v3_lender: PoolEntry
    amount_in: int
    amount_out: int


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
        hops = (hop(v2_weth_usdc, weth), hop(v3_cheap, usdc))
        v2_lender, v3_lender, unit = None, weth_lender, 10**18
    elif name == "v2-v2-v3":  # WETH → DAI → USDC on V2 pairs, USDC → cheap WETH on V3
        hops = (
            hop(find_pool(chain, "uniswap-v2", {"WETH", "DAI"}), weth),
            hop(find_pool(chain, "uniswap-v2", {"USDC", "DAI"}), chain.token("DAI").address),
            hop(v3_cheap, usdc),
        )
        v2_lender, v3_lender, unit = None, weth_lender, 10**18
    elif name == "v3-v2":  # from USDC: buy WETH cheap on V3, sell it on V2
        hops = (hop(v3_cheap, usdc), hop(v2_weth_usdc, weth))
        v2_lender = find_pool(chain, "uniswap-v2", {"USDC", "USDT"})
        v3_lender = find_pool(chain, "uniswap-v3", {"USDC", "USDT"}, 500)
        unit = 3000 * 10**6
    else:  # v3-v3: sell WETH on the 0.3% pool, buy it back cheap on the 0.05% pool
        hops = (hop(v3_dear, weth), hop(v3_cheap, usdc))
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
    return -(-amount * case.v3_lender.fee // PIPS)  # UniswapV3Pool.flash: mulDivRoundingUp


def lender_holder(chain: ChainManifest, case: Case, source: FlashSource) -> str:
    """Where the lender keeps the start token (its balance there grows by the fee)."""
    start = case.route.token_in
    symbol = chain.token_by_address(start).symbol
    if source is FlashSource.V2_PAIR:
        return (case.v2_lender or find_pool_by_address(chain, case.route.hops[0].pool)).address
    if source is FlashSource.BALANCER_VAULT:
        return chain.lender("balancer-v2").address
    if source is FlashSource.AAVE_V3:
        return chain.lender("aave-v3").asset(symbol).holder
    return case.v3_lender.address


def find_pool_by_address(chain: ChainManifest, address: str) -> PoolEntry:
    return next(p for p in chain.pools if p.address == address)


def calldata(codec: RouteCodec, case: Case, source: FlashSource, min_profit: int) -> bytes:
    lender = None
    if source is FlashSource.UNISWAP_V3:
        lender = flash_pool(case.v3_lender)
    elif source is FlashSource.V2_PAIR and case.v2_lender is not None:
        lender = flash_pool(case.v2_lender)
    return codec.calldata(case.route, case.amount_in, min_profit, source, flash_pool=lender)


@dataclass
class Setup:
    rpc: RpcClient
    chain: ChainManifest
    executor: ExecutorContract
    codec: RouteCodec


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


# ---------------------------------------------------------------------------- realized = predicted


@pytest.mark.parametrize("name", ["v2-v3", "v2-v2-v3", "v3-v2", "v3-v3"])
async def test_planted_gap_with_each_flash_source_pays_the_prediction(
    devnet_factory: Any, name: str
) -> None:
    async with planted(devnet_factory) as s:
        case = await case_for(s.rpc, s.chain, name)
        start = case.route.token_in
        to = s.executor.address
        gas_used = {}
        for source in SOURCES:
            fee = await flash_fee(s.rpc, s.chain, case, source)
            predicted = case.amount_out - case.amount_in - fee
            assert predicted > 0
            data = calldata(s.codec, case, source, min_profit=predicted)
            holder = lender_holder(s.chain, case, source)
            async with snapshot(s.rpc):
                # The bot's pre-check: eth_call returns the profit the trade would keep.
                simulated = decode(["uint256"], await call(s.rpc, to, data))[0]
                assert simulated == predicted, source.name
                held_before = await balance_of(s.rpc, start, to)
                lender_before = await balance_of(s.rpc, start, holder)
                receipt = await send_tx(s.rpc, BOT, to, data)
                assert int(receipt["status"], 16) == 1, source.name
                assert transfers_of(receipt, start, to) == predicted, source.name
                assert await balance_of(s.rpc, start, to) - held_before == predicted, source.name
                if source is FlashSource.V2_PAIR and case.v2_lender is None:
                    # The route's first pair lent and was repaid amountIn of the start token.
                    assert transfers_of(receipt, start, holder) == case.amount_in
                else:
                    assert await balance_of(s.rpc, start, holder) - lender_before == fee
                if source is FlashSource.AAVE_V3:
                    allowance = await call(
                        s.rpc,
                        start,
                        encode_call(
                            "allowance(address,address)", to, s.chain.lender("aave-v3").address
                        ),
                    )
                    assert decode(["uint256"], allowance)[0] == 0  # the approval was used up
                gas_used[source.name] = int(receipt["gasUsed"], 16)
        assert set(gas_used) == {s.name for s in SOURCES}


# ---------------------------------------------------------------------------- a loan not repaid


async def test_a_loan_that_cannot_be_repaid_reverts_and_costs_only_gas(devnet_factory: Any) -> None:
    async with planted(devnet_factory) as s:
        case = await case_for(s.rpc, s.chain, "v2-v3")
        to = s.executor.address
        tokens = [s.chain.token(symbol).address for symbol in ("WETH", "USDC")]
        watched = [to, *(h.pool for h in case.route.hops)]
        for source in SOURCES:
            fee = await flash_fee(s.rpc, s.chain, case, source)
            predicted = case.amount_out - case.amount_in - fee
            short = calldata(s.codec, case, source, min_profit=predicted + 1)
            assert await call_error(s.rpc, BOT, to, short) == (
                "InsufficientProfit",
                (predicted, predicted + 1),
            ), source.name
            balances = [await balance_of(s.rpc, t, a) for t in tokens for a in watched]
            native = int(await s.rpc.call("eth_getBalance", BOT, "latest"), 16)
            receipt = await send_tx(s.rpc, BOT, to, short)
            assert int(receipt["status"], 16) == 0, source.name
            assert receipt["logs"] == []
            assert [await balance_of(s.rpc, t, a) for t in tokens for a in watched] == balances
            spent = native - int(await s.rpc.call("eth_getBalance", BOT, "latest"), 16)
            gas_used = int(receipt["gasUsed"], 16)
            assert 21_000 < gas_used < TX_GAS
            assert spent == gas_used * int(receipt["effectiveGasPrice"], 16)

        # Past break-even the cycle loses: its profit is reported as zero. Past what the lender
        # holds, the lender itself refuses (Balancer's BAL#528, "insufficient flash loan balance").
        for factor, expected in (
            (20, ("InsufficientProfit", (0, 0))),
            (200, ("Error", ("BAL#528",))),
        ):
            sized = Case(
                route=case.route,
                v2_lender=None,
                v3_lender=case.v3_lender,
                amount_in=case.amount_in * factor,
                amount_out=0,
            )
            data = calldata(s.codec, sized, FlashSource.BALANCER_VAULT, min_profit=0)
            assert await call_error(s.rpc, BOT, to, data) == expected


# ---------------------------------------------------------------------------- fake pools


FAKE_V3_POOL_SOURCE = """
// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;
interface ICallbacks {
    function uniswapV3SwapCallback(int256, int256, bytes calldata) external;
    function uniswapV3FlashCallback(uint256, uint256, bytes calldata) external;
}
/// Poses as a Uniswap V3 pool: `swap` asks its caller to pay it a fortune and claims to pay out
/// a bigger one, `flash` lends nothing; `poke` calls a callback on its own.
contract FakeV3Pool {
    function swap(address, bool zeroForOne, int256 amountSpecified, uint160, bytes calldata data)
        external
        returns (int256, int256)
    {
        int256 ask = 10 ** 24;
        ICallbacks(msg.sender).uniswapV3SwapCallback(
            zeroForOne ? ask : int256(0), zeroForOne ? int256(0) : ask, data
        );
        int256 paid = -10 ** 30;
        if (zeroForOne) return (amountSpecified, paid);
        return (paid, amountSpecified);
    }
    function flash(address, uint256, uint256, bytes calldata data) external {
        ICallbacks(msg.sender).uniswapV3FlashCallback(0, 0, data);
    }
    function poke(address target, address token) external {
        int256 ask = 10 ** 24;
        ICallbacks(target).uniswapV3SwapCallback(ask, ask, abi.encode(token));
    }
}
"""


async def deploy_source(rpc: RpcClient, tmp_path: Path, name: str, source: str) -> str:
    (tmp_path / f"{name}.sol").write_text(source)
    _, output = compile_sources(tmp_path)
    bytecode = output["contracts"][f"{name}.sol"][name]["evm"]["bytecode"]["object"]
    receipt = await send_tx(rpc, OUTSIDER, None, "0x" + bytecode)
    assert int(receipt["status"], 16) == 1
    return str(to_checksum_address(receipt["contractAddress"]))


async def test_a_contract_posing_as_a_v3_pool_is_never_paid(
    devnet_factory: Any, tmp_path: Path
) -> None:
    async with planted(devnet_factory) as s:
        case = await case_for(s.rpc, s.chain, "v2-v3")
        to = s.executor.address
        fake = await deploy_source(s.rpc, tmp_path, "FakeV3Pool", FAKE_V3_POOL_SOURCE)
        usdc = s.chain.token("USDC").address
        # The executor holds USDC from earlier trades: what a fake pool would be after.
        await send_tx(s.rpc, TRADER, usdc, encode_call("transfer(address,uint256)", to, 10**12))

        # The fake claims the genuine pool's factory, tokens and fee: the CREATE2 address of
        # those is not the fake's, so the executor never calls it, with any source.
        genuine_v3 = case.route.hops[1]
        fake_hop = Hop(
            pool=fake,
            dex=genuine_v3.dex,
            kind=genuine_v3.kind,
            token_in=genuine_v3.token_in,
            token_out=genuine_v3.token_out,
            zero_for_one=genuine_v3.zero_for_one,
            fee_pips=genuine_v3.fee_pips,
        )
        faked = Case(
            route=Route(chain_id=case.route.chain_id, hops=(case.route.hops[0], fake_hop)),
            v2_lender=None,
            v3_lender=case.v3_lender,
            amount_in=case.amount_in,
            amount_out=0,
        )
        for source in SOURCES:
            data = calldata(s.codec, faked, source, 0)
            assert await call_error(s.rpc, BOT, to, data) == ("NotGenuinePool", (fake,))
        receipt = await send_tx(s.rpc, BOT, to, calldata(s.codec, faked, FlashSource.AAVE_V3, 0))
        assert int(receipt["status"], 16) == 0
        assert not any(log["address"] == fake.lower() for log in receipt["logs"])

        # As the V3 flash lender.
        fake_lender = PoolEntry(
            address=fake,
            dex="uniswap-v3",
            kind="uniswap-v3",
            token0=case.v3_lender.token0,
            token1=case.v3_lender.token1,
            fee=case.v3_lender.fee,
            symbol0=case.v3_lender.symbol0,
            symbol1=case.v3_lender.symbol1,
        )
        as_lender = Case(
            route=case.route,
            v2_lender=None,
            v3_lender=fake_lender,
            amount_in=case.amount_in,
            amount_out=0,
        )
        data = calldata(s.codec, as_lender, FlashSource.UNISWAP_V3, 0)
        assert await call_error(s.rpc, BOT, to, data) == ("NotGenuinePool", (fake,))

        # Calling the swap callback on its own, outside any trade.
        poke = encode_bytes("poke(address,address)", to, usdc)
        assert await call_error(s.rpc, OUTSIDER, fake, poke) == ("UnexpectedCallback", (fake,))
        assert await balance_of(s.rpc, usdc, to) == 10**12

        # A hop whose factory was never registered.
        unknown = Hop(
            pool=genuine_v3.pool,
            dex="pretend-v3",
            kind="uniswap-v3",
            token_in=genuine_v3.token_in,
            token_out=genuine_v3.token_out,
            zero_for_one=genuine_v3.zero_for_one,
            fee_pips=genuine_v3.fee_pips,
        )
        codec = RouteCodec({**dex_factories(s.chain), "pretend-v3": OUTSIDER})
        route = Route(chain_id=case.route.chain_id, hops=(case.route.hops[0], unknown))
        data = codec.calldata(route, case.amount_in, 0, FlashSource.BALANCER_VAULT)
        assert await call_error(s.rpc, BOT, to, data) == ("UnknownFactory", (OUTSIDER,))


# ---------------------------------------------------------------------------- outside a trade


async def test_callbacks_outside_a_trade_are_rejected_for_every_source(
    devnet_factory: Any,
) -> None:
    async with planted(devnet_factory) as s:
        case = await case_for(s.rpc, s.chain, "v2-v3")
        to = s.executor.address
        weth = s.chain.token("WETH").address
        plan = s.codec.plan(case.route, case.amount_in, 0, FlashSource.BALANCER_VAULT)
        weth_word = bytes(12) + bytes.fromhex(weth[2:])
        direct = {
            "uniswapV2Call": encode_bytes(
                "uniswapV2Call(address,uint256,uint256,bytes)", to, 0, 10**18, b"\xff" + plan[1:]
            ),
            "uniswapV3SwapCallback": encode_bytes(
                "uniswapV3SwapCallback(int256,int256,bytes)", 10**18, 0, weth_word
            ),
            "uniswapV3FlashCallback": encode_bytes(
                "uniswapV3FlashCallback(uint256,uint256,bytes)", 0, 0, plan
            ),
            "receiveFlashLoan": encode_bytes(
                "receiveFlashLoan(address[],uint256[],uint256[],bytes)",
                [weth],
                [case.amount_in],
                [0],
                plan,
            ),
            "executeOperation": encode_bytes(
                "executeOperation(address,uint256,uint256,address,bytes)",
                weth,
                case.amount_in,
                0,
                to,
                plan,
            ),
        }
        for name, data in direct.items():
            for caller in (OUTSIDER, BOT):
                assert await call_error(s.rpc, caller, to, data) == (
                    "UnexpectedCallback",
                    (caller,),
                ), name

        # The real lenders, asked by an outsider to lend to the executor: each calls back, and
        # the executor, with no trade of its own in progress, refuses. (A V3 pool's `flash`
        # calls back its caller, never a third party, so it cannot be pointed at the executor.)
        vault = s.chain.lender("balancer-v2").address
        loan = encode_bytes(
            "flashLoan(address,address[],uint256[],bytes)", to, [weth], [case.amount_in], plan
        )
        assert await call_error(s.rpc, OUTSIDER, vault, loan) == ("UnexpectedCallback", (vault,))
        pool = s.chain.lender("aave-v3").address
        loan = encode_bytes(
            "flashLoanSimple(address,address,uint256,bytes,uint16)",
            to,
            weth,
            case.amount_in,
            plan,
            0,
        )
        assert await call_error(s.rpc, OUTSIDER, pool, loan) == ("UnexpectedCallback", (pool,))
        pair = case.route.hops[0]
        amount0, amount1 = (0, 10**6) if pair.zero_for_one else (10**6, 0)
        for mark in (b"\xff", b"\xfe", b"\x00"):
            swap = encode_bytes(
                "swap(uint256,uint256,address,bytes)", amount0, amount1, to, mark + plan[1:]
            )
            assert await call_error(s.rpc, OUTSIDER, pair.pool, swap) == (
                "UnexpectedCallback",
                (pair.pool,),
            )


# ---------------------------------------------------------------------------- registry and plans


async def test_lenders_are_registered_owner_only_and_plans_are_checked(
    devnet_factory: Any,
) -> None:
    async with planted(devnet_factory) as s:
        case = await case_for(s.rpc, s.chain, "v2-v3")
        e, to = s.executor, s.executor.address
        vault = s.chain.lender("balancer-v2").address
        pool = s.chain.lender("aave-v3").address
        assert await e.balancer_vault() == vault
        assert await e.aave_pool() == pool
        v3_factory = s.chain.dex("uniswap-v3").factory
        assert await e.init_code_hash_of(v3_factory) == UNISWAP_V3_POOL_INIT_CODE_HASH

        for attempt in (e.set_balancer_vault(OUTSIDER, OUTSIDER), e.set_aave_pool(OUTSIDER, pool)):
            with pytest.raises(ExecutorRevertError, match="NotOwner"):
                await attempt
        zero = "0x" + "00" * 20
        await e.set_balancer_vault(BOT, zero)
        await e.set_aave_pool(BOT, zero)
        for source in (FlashSource.BALANCER_VAULT, FlashSource.AAVE_V3):
            data = calldata(s.codec, case, source, 0)
            assert await call_error(s.rpc, BOT, to, data) == ("LenderNotSet", (int(source),))
        await e.set_balancer_vault(BOT, vault)
        assert await e.balancer_vault() == vault
        data = calldata(s.codec, case, FlashSource.BALANCER_VAULT, 0)
        assert decode(["uint256"], await call(s.rpc, to, data))[0] > 0

        # Hand-made plans the codec refuses to build. A V2 flash swap for a route whose first
        # hop is V3 has no pair to borrow from:
        v3_first = Route(chain_id=case.route.chain_id, hops=case.route.hops[::-1])
        hops = b"".join(s.codec.hop_bytes(h) for h in v3_first.hops)
        usdc_in = case.amount_in * 3000 // 10**12
        plan = b"\x00" + usdc_in.to_bytes(16, "big") + bytes(16) + hops
        assert await call_error(s.rpc, BOT, to, wrap_plan(plan)) == ("NoV2Lender", ())
        # Source 3 without its lender record, or with a V2 pair's record kind (0x80, not 0x81):
        lender = flash_pool(case.v3_lender)
        plan = s.codec.plan(
            case.route, case.amount_in, 0, FlashSource.UNISWAP_V3, flash_pool=lender
        )
        assert await call_error(s.rpc, BOT, to, wrap_plan(plan[:-64])) == (
            "MalformedPlan",
            (len(plan) - 64,),
        )
        as_v2 = plan[:-4] + b"\x80" + plan[-3:]
        assert await call_error(s.rpc, BOT, to, wrap_plan(as_v2)) == (
            "UnsupportedHopKind",
            (2, 0x80),
        )

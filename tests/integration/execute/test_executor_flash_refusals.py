"""Every way into OmniArbExecutor's flash sources and V3 hops that must fail does, on the
planted V3 gap of a real devnet chain (`_flash_cases`): a contract posing as a V3 pool (as a hop
or as the lender) is never called, callbacks from outside a trade are refused for every source,
and the lender registry is owner-only while hand-made plans the codec refuses are checked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _executor_calls import (
    BOT,
    OUTSIDER,
    TRADER,
    balance_of,
    call,
    call_error,
    encode_bytes,
)
from _flash_cases import SOURCES, Case, calldata, case_for, planted, send_tx
from _plans import FAR_DEADLINE_BLOCK
from eth_utils.address import to_checksum_address

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.contracts.build import compile_sources
from omniarb.execute.executor_calldata import (
    UNISWAP_V3_POOL_INIT_CODE_HASH,
    ExecutorRevertError,
    dex_factories,
)
from omniarb.execute.route_codec import FlashSource, RouteCodec, wrap_plan
from omniarb.network import PoolEntry
from omniarb.types import Hop, Route

pytestmark = pytest.mark.integration


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
            v4_lender=case.v4_lender,
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
        data = codec.calldata(
            route, case.amount_in, 0, FlashSource.BALANCER_VAULT, deadline_block=FAR_DEADLINE_BLOCK
        )
        assert await call_error(s.rpc, BOT, to, data) == ("UnknownFactory", (OUTSIDER,))


# ---------------------------------------------------------------------------- outside a trade


async def test_callbacks_outside_a_trade_are_rejected_for_every_source(
    devnet_factory: Any,
) -> None:
    async with planted(devnet_factory) as s:
        case = await case_for(s.rpc, s.chain, "v2-v3")
        to = s.executor.address
        weth = s.chain.token("WETH").address
        plan = s.codec.plan(
            case.route,
            case.amount_in,
            0,
            FlashSource.BALANCER_VAULT,
            deadline_block=FAR_DEADLINE_BLOCK,
        )
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
        deadline = FAR_DEADLINE_BLOCK.to_bytes(8, "big")
        plan = b"\x00" + usdc_in.to_bytes(16, "big") + bytes(16) + deadline + hops
        assert await call_error(s.rpc, BOT, to, wrap_plan(plan)) == ("NoV2Lender", ())
        # Source 3 without its lender record, or with a V2 pair's record kind (0x80, not 0x81):
        lender = case.v3_lender.flash_pool()
        plan = s.codec.plan(
            case.route,
            case.amount_in,
            0,
            FlashSource.UNISWAP_V3,
            flash_pool=lender,
            deadline_block=FAR_DEADLINE_BLOCK,
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

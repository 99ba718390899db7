"""Who may call OmniArbExecutor, on a real devnet chain with a planted V2 arbitrage: callers
that are not executors are refused, callbacks from outside a flash swap or from a contract that
only poses as a pair are rejected, and admin functions answer only the owner, whose ownership
moves in two steps.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _executor_calls import (
    BOT,
    CHAIN,
    OUTSIDER,
    call_error,
    encode_bytes,
    plain,
    wait_receipt,
)
from _plans import FAR_DEADLINE_BLOCK
from _v2_arbitrage import SPARE, TX_GAS, deployed, plant_gap_and_find, send_tx, simulate
from eth_utils.address import to_checksum_address

from omniarb.chains.abi import encode_args
from omniarb.chains.rpc import RpcClient
from omniarb.contracts.build import compile_sources
from omniarb.execute.executor_calldata import UNISWAP_V2_PAIR_INIT_CODE_HASH, ExecutorRevertError
from omniarb.types import Hop, Route

pytestmark = pytest.mark.integration


# ---------------------------------------------------------------------------- who may call


async def test_only_the_owner_and_executors_may_execute(devnet_factory: Any) -> None:
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            s = await deployed(rpc, chain)
            arb = await plant_gap_and_find(rpc, chain, 2)
            calldata = s.codec.calldata(
                arb.route, arb.amount_in, 0, deadline_block=FAR_DEADLINE_BLOCK
            )
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
            plan = s.codec.plan(arb.route, arb.amount_in, 0, deadline_block=FAR_DEADLINE_BLOCK)
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
            route = Route(chain_id=chain.chain_id, hops=(genuine.hop(weth), fake_hop))
            calldata = s.codec.calldata(route, 10**18, 0, deadline_block=FAR_DEADLINE_BLOCK)
            to = s.executor.address
            assert await call_error(rpc, BOT, to, calldata) == ("NotGenuinePair", (fake,))

            # The fake calling back on its own, outside any flash swap.
            poke = encode_bytes(
                "poke(address,bytes)",
                to,
                s.codec.plan(route, 10**18, 0, deadline_block=FAR_DEADLINE_BLOCK),
            )
            assert await call_error(rpc, OUTSIDER, fake, poke) == ("UnexpectedCallback", (fake,))


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
                assert plain(caught.value.reason.args[0]) == OUTSIDER
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

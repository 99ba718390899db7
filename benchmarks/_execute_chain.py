"""Sending on the benchmark's automine devnet chain: `Chain` sends from unlocked accounts and
reads receipts, `Runner` sends a cycle through the executor in a snapshot and returns its gas.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from _deadline import BENCH_DEADLINE_BLOCK

from omniarb.chains.abi import encode_call
from omniarb.chains.receipts import wait_for_receipt
from omniarb.chains.rpc import RpcClient
from omniarb.devnet import dev_account
from omniarb.devnet.anvil import wait_pool_drained
from omniarb.execute.executor_contract import ExecutorContract
from omniarb.execute.route_codec import FlashPool, FlashSource, RouteCodec
from omniarb.network import ChainManifest
from omniarb.types import Route

TX_GAS = 2_000_000
PRIORITY_FEE_WEI = 10**9


class Chain:
    """Sends from unlocked accounts and reads receipts on the automine chain."""

    def __init__(self, rpc: RpcClient) -> None:
        self.rpc = rpc
        self._sent = 0

    async def send(self, sender: str, to: str | None, data: str, value: int = 0) -> dict[str, Any]:
        # A tip that differs by a wei per transaction makes every hash unique: otherwise anvil
        # serves a transaction identical to one of a block dropped by evm_revert (same nonce
        # and data, as the steady case's transfer is each time) that block's receipt before it
        # is mined again. The gas used does not depend on the price.
        self._sent += 1
        tip_wei = PRIORITY_FEE_WEI + self._sent
        tx: dict[str, Any] = {
            "from": sender,
            "data": data,
            "gas": hex(TX_GAS),
            "maxPriorityFeePerGas": hex(tip_wei),
            "maxFeePerGas": hex(2 * tip_wei),
        }
        if to is not None:
            tx["to"] = to
        if value:
            tx["value"] = hex(value)
        tx_hash = await self.rpc.call("eth_sendTransaction", tx)
        receipt = await wait_for_receipt(
            self.rpc, tx_hash, timeout_s=2.5, interval_s=0.005, max_interval_s=0.005
        )
        if receipt is None:
            raise RuntimeError(f"transaction {tx_hash} was not mined")
        if int(receipt["status"], 16) != 1:
            raise RuntimeError(f"transaction {tx_hash} reverted")
        await wait_pool_drained(self.rpc)
        return receipt

    async def gas(self, sender: str, to: str | None, data: str) -> int:
        return int((await self.send(sender, to, data))["gasUsed"], 16)

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[None]:
        snapshot_id = await self.rpc.call("evm_snapshot")
        try:
            yield
        finally:
            await self.rpc.call("evm_revert", snapshot_id)


class Runner:
    """Sends cycles through the executor from the current state, each in a snapshot."""

    def __init__(
        self, chain: Chain, manifest: ChainManifest, executor: ExecutorContract, codec: RouteCodec
    ) -> None:
        self.chain = chain
        self.manifest = manifest
        self.executor = executor
        self.codec = codec

    async def gas(
        self,
        route: Route,
        amount_in: int,
        min_profit: int,
        source: FlashSource,
        flash_pool: FlashPool | None = None,
    ) -> int:
        """`execute`'s gas in the steady case: the executor already holds some start token."""
        bot, trader = dev_account(9).address, dev_account(1).address
        data = self.codec.calldata(
            route,
            amount_in,
            min_profit,
            source,
            flash_pool=flash_pool,
            deadline_block=BENCH_DEADLINE_BLOCK,
        )
        transfer_1 = encode_call("transfer(address,uint256)", self.executor.address, 1)
        async with self.chain.snapshot():
            await self.chain.send(trader, route.token_in, transfer_1)
            return await self.chain.gas(bot, self.executor.address, "0x" + data.hex())

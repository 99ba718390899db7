"""The finality watch against a real anvil node: trades (plain transfers here, read from their
receipts) are checked with one batched request per head while nothing moves, become final at the
confirmation depth and not before, and a reorg's work on them is told apart: re-mined into a new
block, back in the pool, replaced by another transaction of the nonce, or dropped (its nonce
handed back)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from _monitor_values import trade
from _receipts import mined_receipt
from _rpc_proxy import FaultyRpcProxy

from omniarb.chains.rpc import RpcClient
from omniarb.track.finality import FinalityReport, FinalityWatch, ReorgResult
from omniarb.types import Execution, Outcome, TxReceipt

pytestmark = pytest.mark.integration

DEPTH = 3


class ReceiptOutcomes:
    """Reads an outcome from a receipt the way the tracker does for what a transfer has: its
    block, status and gas (no profit to read)."""

    async def outcome(
        self, execution: Execution, receipt: TxReceipt, *, cancelled: bool = False
    ) -> Outcome:
        return Outcome(
            execution=execution,
            included=True,
            success=receipt.success,
            block_number=receipt.block_number,
            block_hash=receipt.block_hash,
            gas_used=receipt.gas_used,
            effective_gas_price_wei=receipt.effective_gas_price_wei,
            gas_cost_wei=receipt.gas_cost_wei,
            realized_profit=0,
            touched_earlier_in_block=False,
            confirmed_ns=0,
            cancelled=cancelled,
        )


async def _latest(rpc: RpcClient) -> int:
    return int(await rpc.call("eth_blockNumber"), 16)


async def _sent(rpc: RpcClient, n: int) -> tuple[Outcome, dict[str, Any]]:
    """A transfer from the first account, mined, as a settled trade's outcome; and its tx."""
    sender, receiver = await rpc.call("eth_accounts")
    tx_hash = await rpc.call(
        "eth_sendTransaction", {"from": sender, "to": receiver, "value": "0x1"}
    )
    receipt = TxReceipt.from_rpc(await mined_receipt(rpc, tx_hash))
    tx = await rpc.call("eth_getTransactionByHash", tx_hash)
    base = trade(n)
    execution = replace(base.execution, tx_hash=tx_hash, nonce=int(tx["nonce"], 16))
    return await ReceiptOutcomes().outcome(execution, receipt), tx


def _watch(rpc: RpcClient, sender: str, freed: list[list[int]]) -> FinalityWatch:
    return FinalityWatch(
        rpc=rpc,
        reader=ReceiptOutcomes(),
        sender=sender,
        confirmation_depth=DEPTH,
        on_nonces_freed=freed.append,
    )


async def test_quiet_heads_cost_one_request_and_depth_makes_final(anvil_nodes) -> None:
    async with (
        anvil_nodes(1) as (node,),
        FaultyRpcProxy(node.rpc_http) as proxy,
        RpcClient(proxy.url) as rpc,
    ):
        sender = (await rpc.call("eth_accounts"))[0]
        watch = _watch(rpc, sender, [])
        trades = [(await _sent(rpc, n))[0] for n in range(3)]
        for outcome in trades:
            watch.add(outcome)
        head = await _latest(rpc)
        before = proxy.forwarded.copy()
        report = await watch.check(head)
        assert proxy.forwarded - before == {"batch": 1}
        assert report.corrections == ()
        assert report.finalized == ()
        assert report.waiting == 3
        await rpc.call("anvil_mine", hex(DEPTH - 2))
        report = await watch.check(head + DEPTH - 2)
        # The first trade (two blocks below the last) is DEPTH deep now; the others not yet.
        assert [o.execution.tx_hash for o in report.finalized] == [trades[0].execution.tx_hash]
        assert all(o.final for o in report.finalized)
        assert report.waiting == 2
        await rpc.call("anvil_mine", hex(2))
        report = await watch.check(head + DEPTH)
        assert len(report.finalized) == 2
        assert watch.waiting == 0
        before = proxy.forwarded.copy()
        assert await watch.check(head + DEPTH + 1) == FinalityReport()
        assert proxy.forwarded == before  # nothing watched: nothing asked


async def test_a_trade_re_mined_by_a_reorg_moves_to_its_new_block(anvil_nodes) -> None:
    async with anvil_nodes(1) as (node,), RpcClient(node.rpc_http) as rpc:
        sender = (await rpc.call("eth_accounts"))[0]
        freed: list[list[int]] = []
        watch = _watch(rpc, sender, freed)
        outcome, tx = await _sent(rpc, 1)
        watch.add(outcome)
        request = {k: tx[k] for k in ("from", "to", "value", "nonce", "gas", "input", "type")}
        request |= {k: tx[k] for k in ("maxFeePerGas", "maxPriorityFeePerGas", "chainId")}
        await rpc.call("anvil_reorg", 1, [[request, 0]])
        report = await watch.check(await _latest(rpc))
        (correction,) = report.corrections
        assert correction.result is ReorgResult.REINCLUDED
        assert correction.after.block_number == outcome.block_number
        assert correction.after.block_hash != outcome.block_hash
        assert (
            correction.after.block_hash
            == (await rpc.call("eth_getBlockByNumber", hex(outcome.block_number), False))["hash"]
        )
        assert freed == []


async def test_a_dropped_trade_frees_its_nonce_and_is_final_as_dropped(anvil_nodes) -> None:
    async with anvil_nodes(1) as (node,), RpcClient(node.rpc_http) as rpc:
        sender = (await rpc.call("eth_accounts"))[0]
        freed: list[list[int]] = []
        watch = _watch(rpc, sender, freed)
        outcome, _tx = await _sent(rpc, 1)
        watch.add(outcome)
        await rpc.call("anvil_reorg", 1, [])
        head = await _latest(rpc)
        (correction,) = (await watch.check(head)).corrections
        assert correction.result is ReorgResult.DROPPED
        assert correction.after.status == "dropped"
        assert freed == [[outcome.execution.nonce]]
        # Judged again at later heads, it changes nothing until the depth makes it final.
        await rpc.call("anvil_mine", hex(DEPTH - 1))
        report = await watch.check(head + DEPTH - 1)
        assert report.corrections == ()
        assert report.finalized == ()
        await rpc.call("evm_mine")
        (final,) = (await watch.check(head + DEPTH)).finalized
        assert final.status == "dropped"
        assert final.final
        assert freed == [[outcome.execution.nonce]]  # told once


async def test_a_trade_whose_nonce_another_transaction_took_is_replaced(anvil_nodes) -> None:
    async with anvil_nodes(1) as (node,), RpcClient(node.rpc_http) as rpc:
        sender, receiver = await rpc.call("eth_accounts")
        freed: list[list[int]] = []
        watch = _watch(rpc, sender, freed)
        outcome, tx = await _sent(rpc, 1)
        watch.add(outcome)
        await rpc.call("anvil_rollback", 1)
        other = {"from": sender, "to": receiver, "value": "0x2", "nonce": tx["nonce"]}
        await mined_receipt(rpc, await rpc.call("eth_sendTransaction", other))
        (correction,) = (await watch.check(await _latest(rpc))).corrections
        assert correction.result is ReorgResult.REPLACED
        assert correction.after.status == "replaced"
        assert freed == []


async def test_a_trade_back_in_the_pool_is_pending_until_mined_again(anvil_nodes) -> None:
    async with anvil_nodes(1) as (node,), RpcClient(node.rpc_http) as rpc:
        sender = (await rpc.call("eth_accounts"))[0]
        watch = _watch(rpc, sender, [])
        outcome, _tx = await _sent(rpc, 1)
        raw = await rpc.call("eth_getRawTransactionByHash", outcome.execution.tx_hash)
        watch.add(outcome)
        await rpc.call("evm_setAutomine", False)
        await rpc.call("anvil_rollback", 1)
        await rpc.call("eth_sendRawTransaction", raw)
        (correction,) = (await watch.check(await _latest(rpc))).corrections
        assert correction.result is ReorgResult.PENDING
        assert correction.after.status == "pending"
        await rpc.call("evm_mine")
        head = await _latest(rpc)
        (correction,) = (await watch.check(head)).corrections
        assert correction.result is ReorgResult.REINCLUDED
        assert correction.before.status == "pending"
        assert correction.after.block_number == head
        await rpc.call("anvil_mine", hex(DEPTH))
        assert len((await watch.check(head + DEPTH)).finalized) == 1

"""Restart reconciliation against a real anvil: a previous run's sent trades without an outcome
are settled from the chain — one mined while the bot was down (its outcome built from the
receipt), one mined that only its claim and decision name (the run died before writing its
execution), one still pending (followed until mined), one the node never got (its nonce spent
by a cancel, so the send can never land later) — and none is sent again; a send that arrives
late, outbidding the cancel, is the one recorded."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from _receipts import mined_receipt
from _reconcile_setup import CHAIN_ID, GWEI, SINK, reconcile, sent_trade, settling_submitter
from _waits import eventually

from omniarb.chains.fees import Eip1559Fees, read_fees
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import FeeModel
from omniarb.config import load_secrets
from omniarb.devnet.accounts import dev_account
from omniarb.devnet.anvil import AnvilNode, AnvilOptions
from omniarb.errors import RpcError
from omniarb.execute.signer import Signer
from omniarb.execute.submit import Submitter
from omniarb.store import HistoryStore
from omniarb.types import Execution

pytestmark = pytest.mark.integration


@contextlib.asynccontextmanager
async def _node_and_history(
    tmp_path: Path, *, block_time_s: float | None = None
) -> AsyncIterator[tuple[RpcClient, HistoryStore]]:
    """A fresh anvil (automining unless `block_time_s`) and an empty SQLite history."""
    node = await AnvilNode.start(
        AnvilOptions(chain_id=CHAIN_ID, accounts=2, block_time_s=block_time_s)
    )
    try:
        async with (
            RpcClient(node.rpc_http) as rpc,
            HistoryStore.open(f"sqlite:///{tmp_path / 'h.sqlite'}") as store,
        ):
            yield rpc, store
    finally:
        await node.stop()


async def _claimed(store: HistoryStore, trade: Execution, *, sender: str | None) -> None:
    """`trade` as a previous run left it: its decision recorded and its transaction claimed
    (signed by `sender`), nothing else; written when this returns."""
    assert trade.tx_hash is not None
    await store.record(trade.decision)
    assert await store.submissions.claim(
        trade.decision.opportunity.id,
        chain_id=CHAIN_ID,
        tx_hash=trade.tx_hash,
        nonce=trade.nonce,
        sender=sender,
    )
    await store.flush()


async def test_a_restart_settles_mined_pending_and_lost_trades_from_the_chain(
    tmp_path: Path,
) -> None:
    async with _node_and_history(tmp_path, block_time_s=1) as (rpc, store):
        signer = Signer.from_secrets(
            load_secrets({}), chain_id=CHAIN_ID, default_key=dev_account(0).private_key
        )
        fees = await read_fees(rpc, fee_model=FeeModel.EIP1559, tip_wei=GWEI)
        first = int(await rpc.call("eth_getTransactionCount", signer.address, "latest"), 16)

        def sign(nonce: int) -> tuple[str, str]:
            signed = signer.sign(nonce=nonce, to=SINK, data=b"", gas=21_000, fees=fees, value=1)
            return signed.tx_hash, signed.raw_hex

        # The previous run: one trade mined while it was down, one still in the pool, and
        # one whose send never reached the node (its nonce comes after the others).
        await rpc.call("evm_setIntervalMining", 0)
        mined_hash, raw = sign(first)
        await rpc.call("eth_sendRawTransaction", raw)
        await rpc.call("evm_mine")
        await mined_receipt(rpc, mined_hash, timeout_s=10)
        # Killed right after this send: its claim (with the hash) and its decision were
        # written, its execution row never was.
        orphan_hash, raw = sign(first + 1)
        await rpc.call("eth_sendRawTransaction", raw)
        await rpc.call("evm_mine")
        await mined_receipt(rpc, orphan_hash, timeout_s=10)
        pending_hash, raw = sign(first + 2)
        await rpc.call("eth_sendRawTransaction", raw)
        lost_hash, lost_raw = sign(first + 3)
        previous = [
            sent_trade(0, tx_hash=mined_hash, nonce=first, fee_wei=fees.fee_cap_wei),
            sent_trade(2, tx_hash=pending_hash, nonce=first + 2, fee_wei=fees.fee_cap_wei),
            sent_trade(3, tx_hash=lost_hash, nonce=first + 3, fee_wei=fees.fee_cap_wei),
        ]
        for execution in previous:
            await store.record(execution)
        orphan = sent_trade(1, tx_hash=orphan_hash, nonce=first + 1, fee_wei=fees.fee_cap_wei)
        await _claimed(store, orphan, sender=None)
        assert len(await asyncio.to_thread(store.unsettled, chain_id=CHAIN_ID)) == 3

        # The restart.
        submitter = settling_submitter(rpc, signer, store)
        reconciling = asyncio.create_task(reconcile(rpc, store, submitter))
        # It waits for the pending one, which the chain mines once blocks come again.
        await eventually(
            lambda: _following(submitter), what="the pending trade followed", timeout_s=10
        )
        assert not reconciling.done()
        await rpc.call("evm_setIntervalMining", 1)
        summary = await asyncio.wait_for(reconciling, timeout=30)

        assert (summary.mined, summary.pending, summary.dropped, summary.cancelled) == (
            2,
            1,
            0,
            1,
        )
        assert summary.recovered == 1
        assert await asyncio.to_thread(store.unsettled, chain_id=CHAIN_ID) == []
        assert await asyncio.to_thread(store.unrecorded_sends, chain_id=CHAIN_ID) == ([], [])
        trades = {t.tx_hash: t for t in await asyncio.to_thread(store.trades, limit=10)}
        assert trades[mined_hash].status == "succeeded"
        assert trades[orphan_hash].status == "succeeded"
        assert trades[orphan_hash].nonce == first + 1
        assert trades[pending_hash].status == "succeeded"
        # The lost one's nonce went to a cancel, recorded as its replacement and its loss.
        (cancel,) = await asyncio.to_thread(store.replacements, chain_id=CHAIN_ID)
        assert (cancel.nonce, cancel.original_tx_hash) == (first + 3, lost_hash)
        # A trade shows the hash that was mined for it.
        assert lost_hash not in trades
        lost = trades[cancel.new_tx_hash]
        assert (lost.status, lost.nonce) == ("cancelled", first + 3)
        cancel_receipt = await mined_receipt(rpc, cancel.new_tx_hash, timeout_s=1)
        assert lost.gas_used == int(cancel_receipt["gasUsed"], 16) == 21_000
        receipt = await mined_receipt(rpc, pending_hash, timeout_s=1)
        assert trades[pending_hash].gas_used == int(receipt["gasUsed"], 16)
        # Nothing was sent again, and the lost send can never land now.
        assert await rpc.call("eth_getTransactionByHash", lost_hash) is None
        latest = int(await rpc.call("eth_getTransactionCount", signer.address, "latest"), 16)
        assert latest == first + 4
        with pytest.raises(RpcError, match="nonce"):
            await rpc.call("eth_sendRawTransaction", lost_raw)


async def test_a_late_send_that_outbids_the_fencing_cancel_is_the_recorded_trade(
    tmp_path: Path,
) -> None:
    """The previous holder of the key claimed a trade and froze before its send; it resumes
    while the cancel that fences the nonce waits in the pool, and its send bids higher: that
    one is mined, and the history records it, not a cancel."""
    async with _node_and_history(tmp_path, block_time_s=1) as (rpc, store):
        signer = Signer.from_secrets(
            load_secrets({}), chain_id=CHAIN_ID, default_key=dev_account(0).private_key
        )
        fees = await read_fees(rpc, fee_model=FeeModel.EIP1559, tip_wei=GWEI)
        nonce = int(await rpc.call("eth_getTransactionCount", signer.address, "latest"), 16)
        rich = Eip1559Fees(
            max_fee_per_gas_wei=fees.fee_cap_wei * 4,
            max_priority_fee_per_gas_wei=fees.tip_wei * 4,
        )
        late = signer.sign(nonce=nonce, to=SINK, data=b"", gas=21_000, fees=rich, value=1)
        claimed = sent_trade(0, tx_hash=late.tx_hash, nonce=nonce, fee_wei=rich.fee_cap_wei)
        await _claimed(store, claimed, sender=signer.address)
        await rpc.call("evm_setIntervalMining", 0)
        submitter = settling_submitter(rpc, signer, store)
        reconciling = asyncio.create_task(reconcile(rpc, store, submitter))

        async def fenced() -> bool:
            answer = await rpc.call("eth_getTransactionCount", signer.address, "pending")
            return int(answer, 16) > nonce

        await eventually(fenced, what="the cancel in the node's pool", timeout_s=10)
        # The resumed holder's send replaces the cancel: it bids more than 10 % above it.
        assert await rpc.call("eth_sendRawTransaction", late.raw_hex) == late.tx_hash
        await rpc.call("evm_mine")
        summary = await asyncio.wait_for(reconciling, timeout=30)

        assert (summary.mined, summary.cancelled, summary.dropped) == (1, 0, 0)
        (trade,) = await asyncio.to_thread(store.trades, limit=10)
        assert (trade.tx_hash, trade.status) == (late.tx_hash, "succeeded")
        (cancel,) = await asyncio.to_thread(store.replacements, chain_id=CHAIN_ID)
        assert await rpc.call("eth_getTransactionReceipt", cancel.new_tx_hash) is None
        latest = int(await rpc.call("eth_getTransactionCount", signer.address, "latest"), 16)
        assert latest == nonce + 1


async def _following(submitter: Submitter) -> bool:
    return bool(submitter.in_flight_nonces())


async def test_a_lost_send_of_a_key_this_run_lacks_is_dropped_without_a_cancel(
    tmp_path: Path,
) -> None:
    """A claim names the key that signed it: one of a key not in this run's pool (rotated
    out) cannot be fenced here, so it is recorded dropped and no key of ours spends a nonce."""
    async with _node_and_history(tmp_path) as (rpc, store):
        ours = Signer(dev_account(0).private_key, chain_id=CHAIN_ID)
        other = Signer(dev_account(1).private_key, chain_id=CHAIN_ID)
        fees = await read_fees(rpc, fee_model=FeeModel.EIP1559, tip_wei=GWEI)
        lost = other.sign(nonce=0, to=SINK, data=b"", gas=21_000, fees=fees, value=1)
        trade = sent_trade(0, tx_hash=lost.tx_hash, nonce=0, fee_wei=fees.fee_cap_wei)
        await _claimed(store, trade, sender=other.address)
        submitter = settling_submitter(rpc, ours, store)
        summary = await reconcile(rpc, store, submitter)
        assert (summary.dropped, summary.cancelled, summary.recovered) == (1, 0, 1)
        (trade_record,) = await asyncio.to_thread(store.trades, limit=10)
        assert (trade_record.tx_hash, trade_record.status) == (lost.tx_hash, "dropped")
        for signer in (ours, other):
            count = await rpc.call("eth_getTransactionCount", signer.address, "pending")
            assert int(count, 16) == 0
        assert await asyncio.to_thread(store.replacements, chain_id=CHAIN_ID) == []


async def test_a_lost_send_whose_nonce_another_transaction_spent_is_dropped_without_a_cancel(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The claimed transaction never reached the node, and another transaction of the key
    spent its nonce since: it can never be mined, so it is recorded dropped and nothing is
    sent for it (a cancel at a spent nonce would only be refused)."""
    async with _node_and_history(tmp_path) as (rpc, store):
        signer = Signer(dev_account(0).private_key, chain_id=CHAIN_ID)
        fees = await read_fees(rpc, fee_model=FeeModel.EIP1559, tip_wei=GWEI)
        lost = signer.sign(nonce=0, to=SINK, data=b"", gas=21_000, fees=fees, value=1)
        spender = signer.sign(nonce=0, to=SINK, data=b"", gas=21_000, fees=fees, value=2)
        await rpc.call("eth_sendRawTransaction", spender.raw_hex)  # automined
        await mined_receipt(rpc, spender.tx_hash, timeout_s=10)
        trade = sent_trade(0, tx_hash=lost.tx_hash, nonce=0, fee_wei=fees.fee_cap_wei)
        await _claimed(store, trade, sender=signer.address)
        submitter = settling_submitter(rpc, signer, store)
        caplog.set_level(logging.INFO, logger="omniarb")
        summary = await reconcile(rpc, store, submitter)
        assert (summary.dropped, summary.cancelled, summary.recovered) == (1, 0, 1)
        (trade_record,) = await asyncio.to_thread(store.trades, limit=10)
        assert (trade_record.tx_hash, trade_record.status) == (lost.tx_hash, "dropped")
        assert await asyncio.to_thread(store.replacements, chain_id=CHAIN_ID) == []
        pending = await rpc.call("eth_getTransactionCount", signer.address, "pending")
        assert int(pending, 16) == 1
        assert not [r for r in caplog.records if "refused" in r.getMessage()]

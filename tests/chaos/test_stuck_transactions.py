"""Stuck transactions on a real anvil with interval mining: a fee spike leaves a sent transaction
below the base fee; the submitter re-prices it (same nonce, same call) and it is mined, or
cancels it once its pre-check reverts; a nonce lost in transit is filled. Every successor is
recorded in the history store, and the account's nonces stay gap-free.

anvil evicts a transaction from its pool once a block's base fee passes its fee cap (geth keeps
it queued), so there the stuck transaction is gone and its nonce unspent; either way only a
successor at its nonce gets the account moving again.

The fee spike is anvil's own: `anvil_setNextBlockBaseFeePerGas`, set again and again while the
test runs, stands for a run of full blocks. The pre-check's target is a contract whose code
(set with `anvil_setCode`) reverts once its slot 0 is non-zero: "the opportunity is gone".
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from _receipts import mined_receipt
from _waits import eventually

from omniarb.chains.fees import Eip1559Fees, read_base_fee_wei, read_fees
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import FeeModel
from omniarb.config import load_secrets
from omniarb.devnet.accounts import dev_account
from omniarb.devnet.anvil import AnvilNode, AnvilOptions
from omniarb.errors import RpcError
from omniarb.execute.in_flight import CANCEL_GAS, InFlightTx
from omniarb.execute.nonces import NonceManager
from omniarb.execute.replace import ReplacementPolicy
from omniarb.execute.signer import Signer
from omniarb.execute.submit import MemorySubmissionGuard, Submitter, TxRequest
from omniarb.store import HistoryStore
from omniarb.types import ReplacementReason

pytestmark = pytest.mark.integration

CHAIN_ID = 31337
GWEI = 10**9
TIP_WEI = GWEI
# `evm_setIntervalMining` takes whole seconds.
BLOCK_TIME_S = 1
# Runtime code: `if (sload(0) != 0) revert(0, 0);` — PUSH1 0 SLOAD PUSH1 7 JUMPI STOP
# JUMPDEST PUSH1 0 DUP1 REVERT.
GATE_CODE = "0x600054600757005b600080fd"
GATE = "0x00000000000000000000000000000000000a11ce"
POLICY = ReplacementPolicy(replace_after_blocks=2, max_replacements=3)


@dataclass(frozen=True, slots=True, kw_only=True)
class Chain:
    rpc: RpcClient
    signer: Signer
    submitter: Submitter
    store: HistoryStore

    async def count(self, block: str) -> int:
        return int(await self.rpc.call("eth_getTransactionCount", self.signer.address, block), 16)


@asynccontextmanager
async def interval_chain(tmp_path: Path) -> AsyncIterator[Chain]:
    node = await AnvilNode.start(
        AnvilOptions(chain_id=CHAIN_ID, accounts=2, block_time_s=BLOCK_TIME_S)
    )
    try:
        async with (
            RpcClient(node.rpc_http) as rpc,
            HistoryStore.open(f"sqlite:///{tmp_path / 'h.sqlite'}") as store,
        ):
            signer = Signer.from_secrets(
                load_secrets({}), chain_id=CHAIN_ID, default_key=dev_account(0).private_key
            )
            await rpc.call("anvil_setCode", GATE, GATE_CODE)
            submitter = Submitter(
                rpc=rpc,
                signer=signer,
                nonces=NonceManager(rpc=rpc, address=signer.address),
                guard=MemorySubmissionGuard(),
                receipt_timeout_s=30.0,
                replacement=POLICY,
                fee_model=FeeModel.EIP1559,
                tip_wei=TIP_WEI,
                on_replacement=store.record,
            )
            yield Chain(rpc=rpc, signer=signer, submitter=submitter, store=store)
    finally:
        await node.stop()


@asynccontextmanager
async def fee_spike(rpc: RpcClient, base_fee_wei: int) -> AsyncIterator[None]:
    """Keep every next block's base fee at `base_fee_wei` until the block ends."""

    async def hold() -> None:
        while True:
            await rpc.call("anvil_setNextBlockBaseFeePerGas", hex(base_fee_wei))
            await asyncio.sleep(0.05)

    task = asyncio.create_task(hold())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def send_then_spike(chain: Chain, request: TxRequest) -> tuple[str, int]:
    """Send `request` while mining is paused, then let blocks come at 20 times its fee cap:
    it is valid when sent and stuck from the next block on. Returns its hash and nonce."""
    await chain.rpc.call("evm_setIntervalMining", 0)
    sent = await chain.submitter.submit("stuck", request, precheck=True)
    await chain.rpc.call("anvil_setNextBlockBaseFeePerGas", hex(20 * request.fees.fee_cap_wei))
    await chain.rpc.call("evm_setIntervalMining", BLOCK_TIME_S)
    return sent.tx_hash, sent.nonce


async def gate_request(chain: Chain) -> TxRequest:
    fees = await read_fees(chain.rpc, fee_model=FeeModel.EIP1559, tip_wei=TIP_WEI)
    return TxRequest(to=GATE, data=b"\x01", gas=50_000, fees=fees)


async def test_a_stuck_transaction_is_repriced_and_mined_with_gap_free_nonces(
    tmp_path: Path,
) -> None:
    async with interval_chain(tmp_path) as chain:
        start_nonce = await chain.count("latest")
        request = await gate_request(chain)
        tx_hash, nonce = await send_then_spike(chain, request)
        assert nonce == start_nonce
        spike_wei = 20 * request.fees.fee_cap_wei
        async with fee_spike(chain.rpc, spike_wei):
            # The spike holds: blocks come and the transaction is not mined. anvil even evicts
            # it from its pool once a block's base fee passes its fee cap (backend/executor.rs
            # "Skipping invalid tx execution"; geth would keep it queued): its nonce stays
            # unspent, and only a successor at that nonce can fill it.
            head = int(await chain.rpc.call("eth_blockNumber"), 16)
            await eventually(
                lambda: _past(chain.rpc, head + 1), what="two blocks", timeout_s=10, interval_s=0.1
            )
            assert await chain.rpc.call("eth_getTransactionReceipt", tx_hash) is None
            assert await chain.count("latest") == start_nonce

            landing = await chain.submitter.land(tx_hash)

        assert landing.receipt is not None
        assert landing.receipt.success
        assert not landing.cancelled
        assert landing.receipt.tx_hash != tx_hash  # a replacement was mined, not the original
        repriced = landing.replacements
        assert repriced
        assert all(r.reason is ReplacementReason.REPRICE for r in repriced)
        assert repriced[-1].new_tx_hash == landing.receipt.tx_hash
        # Each successor bids at least 10% more than the one it replaced, on both fields.
        previous = request.fees
        assert isinstance(previous, Eip1559Fees)
        for replacement in repriced:
            assert replacement.nonce == nonce
            assert replacement.original_tx_hash == tx_hash
            assert (
                replacement.new_max_fee_per_gas_wei * 100
                >= replacement.old_max_fee_per_gas_wei * 110
            )
            assert replacement.new_priority_fee_wei * 100 >= replacement.old_priority_fee_wei * 110
        assert repriced[0].old_max_fee_per_gas_wei == previous.max_fee_per_gas_wei
        # The mined one is the same call at the same nonce.
        mined = await chain.rpc.call("eth_getTransactionByHash", landing.receipt.tx_hash)
        assert int(mined["nonce"], 16) == nonce
        assert mined["to"].lower() == GATE
        assert mined["input"] == "0x01"
        assert int(mined["maxFeePerGas"], 16) >= landing.receipt.effective_gas_price_wei
        # Gap-free: exactly one nonce was spent, and the next send takes the next one.
        assert await chain.count("latest") == start_nonce + 1
        follow_up = await chain.submitter.submit("next", await gate_request(chain))
        assert follow_up.nonce == start_nonce + 1
        await mined_receipt(chain.rpc, follow_up.tx_hash, timeout_s=10)
        assert await chain.count("latest") == start_nonce + 2

        await chain.store.flush()
        recorded = await asyncio.to_thread(chain.store.replacements, chain_id=CHAIN_ID)
        assert {r.new_tx_hash for r in recorded} == {r.new_tx_hash for r in repriced}
        assert all(r.reason is ReplacementReason.REPRICE for r in recorded)


async def test_a_stuck_transaction_whose_opportunity_is_gone_is_cancelled(
    tmp_path: Path,
) -> None:
    async with interval_chain(tmp_path) as chain:
        start_nonce = await chain.count("latest")
        request = await gate_request(chain)
        tx_hash, nonce = await send_then_spike(chain, request)
        async with fee_spike(chain.rpc, 20 * request.fees.fee_cap_wei):
            # The opportunity goes: the same call now reverts.
            await chain.rpc.call("anvil_setStorageAt", GATE, "0x0", "0x" + "00" * 31 + "01")
            landing = await chain.submitter.land(tx_hash)

        assert landing.receipt is not None
        assert landing.cancelled
        cancel = landing.replacements[-1]
        assert cancel.reason is ReplacementReason.CANCEL
        assert cancel.new_tx_hash == landing.receipt.tx_hash
        mined = await chain.rpc.call("eth_getTransactionByHash", landing.receipt.tx_hash)
        assert int(mined["nonce"], 16) == nonce
        assert mined["to"].lower() == chain.signer.address.lower()
        assert int(mined["value"], 16) == 0
        assert mined["input"] == "0x"
        assert landing.receipt.gas_used == CANCEL_GAS
        assert await chain.rpc.call("eth_getTransactionReceipt", tx_hash) is None
        assert await chain.count("latest") == start_nonce + 1

        await chain.store.flush()
        recorded = await asyncio.to_thread(chain.store.replacements, chain_id=CHAIN_ID)
        assert next(r.reason for r in recorded) is ReplacementReason.CANCEL
        assert recorded[0].original_tx_hash == tx_hash


async def test_a_stuck_transaction_past_its_deadline_is_cancelled_though_its_call_passes(
    tmp_path: Path,
) -> None:
    async with interval_chain(tmp_path) as chain:
        start_nonce = await chain.count("latest")
        head = int(await chain.rpc.call("eth_blockNumber"), 16)
        # The call itself still passes (the gate is open), but its plan's last block is the
        # next one: by the time it is stuck, no block can run it any more.
        request = dataclasses.replace(await gate_request(chain), deadline_block=head + 1)
        tx_hash, nonce = await send_then_spike(chain, request)
        async with fee_spike(chain.rpc, 20 * request.fees.fee_cap_wei):
            landing = await chain.submitter.land(tx_hash)

        assert landing.receipt is not None
        assert landing.cancelled
        (cancel,) = landing.replacements
        assert cancel.reason is ReplacementReason.CANCEL
        assert cancel.block_number >= head + 1
        mined = await chain.rpc.call("eth_getTransactionByHash", landing.receipt.tx_hash)
        assert int(mined["nonce"], 16) == nonce
        assert mined["to"].lower() == chain.signer.address.lower()
        assert landing.receipt.gas_used == CANCEL_GAS
        assert await chain.count("latest") == start_nonce + 1


async def test_two_stuck_in_a_row_are_each_repriced_by_their_own_follower(
    tmp_path: Path,
) -> None:
    """The second waits behind the first: it is not taken for a gap behind a lost nonce (no
    fill competes with the first's re-price), and both are mined, gap-free."""
    async with interval_chain(tmp_path) as chain:
        start_nonce = await chain.count("latest")
        request = await gate_request(chain)
        await chain.rpc.call("evm_setIntervalMining", 0)
        first = await chain.submitter.submit("first", request)
        second = await chain.submitter.submit("second", request)
        await chain.rpc.call("anvil_setNextBlockBaseFeePerGas", hex(20 * request.fees.fee_cap_wei))
        await chain.rpc.call("evm_setIntervalMining", BLOCK_TIME_S)
        async with fee_spike(chain.rpc, 20 * request.fees.fee_cap_wei):
            landings = await asyncio.gather(
                chain.submitter.land(first.tx_hash), chain.submitter.land(second.tx_hash)
            )

        for landing, sent in zip(landings, (first, second), strict=True):
            assert landing.receipt is not None
            assert landing.receipt.success
            assert not landing.cancelled
            assert [r.reason for r in landing.replacements][-1] is ReplacementReason.REPRICE
            assert {r.nonce for r in landing.replacements} == {sent.nonce}
        assert (first.nonce, second.nonce) == (start_nonce, start_nonce + 1)
        assert landings[0].receipt.block_number <= landings[1].receipt.block_number
        assert await chain.count("latest") == start_nonce + 2
        await chain.store.flush()
        recorded = await asyncio.to_thread(chain.store.replacements, chain_id=CHAIN_ID)
        assert ReplacementReason.GAP not in {r.reason for r in recorded}


async def test_a_nonce_lost_in_transit_is_filled_so_the_next_is_mined(tmp_path: Path) -> None:
    async with interval_chain(tmp_path) as chain:
        lost = await chain.count("latest")
        request = await gate_request(chain)
        # The transaction at `lost` never reached the node; the next one did and waits behind it.
        signed = chain.signer.sign(
            nonce=lost + 1, to=GATE, data=request.data, gas=request.gas, fees=request.fees
        )
        await chain.rpc.call("eth_sendRawTransaction", signed.raw_hex)
        sent = InFlightTx(
            key="after-the-gap",
            nonce=lost + 1,
            tx_hash=signed.tx_hash,
            to=GATE,
            data=request.data,
            gas=request.gas,
            value=0,
            fees=request.fees,
        )
        landing = await chain.submitter.follow(sent)

        assert landing.receipt is not None
        assert landing.receipt.tx_hash == signed.tx_hash
        assert landing.receipt.success
        fill = landing.replacements[0]
        assert fill.reason is ReplacementReason.GAP
        assert fill.nonce == lost
        filled = await mined_receipt(chain.rpc, fill.new_tx_hash, timeout_s=10)
        assert int(filled["blockNumber"], 16) <= landing.receipt.block_number
        assert await chain.count("latest") == lost + 2

        await chain.store.flush()
        recorded = await asyncio.to_thread(chain.store.replacements, chain_id=CHAIN_ID)
        assert [(r.reason, r.nonce) for r in recorded] == [(ReplacementReason.GAP, lost)]


async def test_anvil_replaces_only_for_a_strictly_higher_max_fee(tmp_path: Path) -> None:
    """anvil's rule (crates/anvil/src/eth/pool/transactions.rs): a successor needs a higher
    max fee per gas, the tip does not count; geth's 10% on both is stricter, so we bid that."""
    async with interval_chain(tmp_path) as chain:
        await chain.rpc.call("evm_setIntervalMining", 0)
        base_fee_wei = await read_base_fee_wei(chain.rpc)
        nonce = await chain.count("latest")
        cap = 3 * base_fee_wei

        async def send(max_fee_wei: int, tip_wei: int) -> str:
            fees = Eip1559Fees(
                max_fee_per_gas_wei=max_fee_wei, max_priority_fee_per_gas_wei=tip_wei
            )
            signed = chain.signer.sign(nonce=nonce, to=GATE, data=b"", gas=50_000, fees=fees)
            return str(await chain.rpc.call("eth_sendRawTransaction", signed.raw_hex))

        await send(cap, 1)
        with pytest.raises(RpcError, match="replacement transaction underpriced"):
            await send(cap, 2)  # a higher tip alone is not enough
        winner = await send(cap + 1, 1)  # one wei more max fee is
        await chain.rpc.call("evm_mine")
        receipt = await mined_receipt(chain.rpc, winner, timeout_s=10)
        assert int(receipt["status"], 16) == 1


async def _past(rpc: RpcClient, block: int) -> bool:
    return int(await rpc.call("eth_blockNumber"), 16) > block

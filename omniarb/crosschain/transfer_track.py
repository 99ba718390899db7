"""One step of a bridge transfer's life: what the chains say now, as the transfer's next value.

    planned   --broadcast-->                      sent
    sent      --deposit mined (find_deposit)-->   deposited    (reverted: failed)
    deposited --arrival on the destination-->     arrived
    any open  --past its deadline-->              stuck        (still tracked: may arrive)

`step` is the whole state machine, one transition at a time; it reads the chains through the
bridge and the source node, and returns a new `BridgeTransfer` (or the same one when nothing
changed). It never signs: a transfer's transactions were signed once, before it was recorded.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from omniarb.bridges.base import Bridge, Deposit, TransferStatus
from omniarb.crosschain.transfer_send import ChainAccess, NonceTakenError, broadcast, receipt_of
from omniarb.errors import RejectedError, RetryableError
from omniarb.store.bridge_transfers import BridgeTransfer

__all__ = ["deposit_of", "step"]

log = logging.getLogger(__name__)


def deposit_of(transfer: BridgeTransfer) -> Deposit:
    """The recorded deposit of a transfer that has one (what `Bridge.arrival` takes)."""
    if transfer.deposit_id is None or transfer.deposit_tx_hash is None:
        raise ValueError(f"transfer {transfer.id} has no deposit yet")
    return Deposit(
        bridge=transfer.bridge,
        src_chain=transfer.src_chain,
        dst_chain=transfer.dst_chain,
        tx_hash=transfer.deposit_tx_hash,
        block_number=transfer.deposit_block or 0,
        deposit_id=transfer.deposit_id,
        recipient=transfer.recipient,
        token_out=transfer.token_out,
        amount_out=transfer.amount_out_expected,
    )


async def step(
    transfer: BridgeTransfer, *, bridge: Bridge, source: ChainAccess, now: datetime
) -> BridgeTransfer:
    """`transfer` moved as far as the chains allow now (see the module docstring)."""
    if transfer.final:
        return transfer
    moved = transfer
    if moved.deposit_id is None:
        moved = await _toward_deposit(moved, bridge=bridge, source=source, now=now)
        if moved.deposit_id is not None:
            # One move per step: the deposit is recorded before anything is looked for on
            # the destination, so every status is written (and observed) in order.
            return moved
    if moved.deposit_id is not None and not moved.final:
        arrival = await bridge.arrival(deposit_of(moved))
        if arrival is not None:
            moved = replace(
                moved,
                status=TransferStatus.ARRIVED,
                amount_received=arrival.amount_received,
                arrival_tx_hash=arrival.tx_hash,
                arrival_block=arrival.block_number,
                arrived_at=now,
                updated_at=now,
            )
    if not moved.final and moved.status is not TransferStatus.STUCK and now >= moved.deadline_at:
        moved = replace(moved, status=TransferStatus.STUCK, updated_at=now)
    return moved


async def _toward_deposit(
    transfer: BridgeTransfer, *, bridge: Bridge, source: ChainAccess, now: datetime
) -> BridgeTransfer:
    deposit_tx = transfer.src_txs[-1]
    receipt = await receipt_of(source.rpc, deposit_tx.tx_hash)
    if receipt is None:
        # Not mined: (re)send the stored bytes. Also after a restart, or a node that lost them.
        try:
            await broadcast(source.rpc, transfer.src_txs, sender=transfer.sender)
        except NonceTakenError as exc:
            return _failed(transfer, str(exc), now)
        except (RejectedError, RetryableError) as exc:
            # Refused now (funds, fees, a pending rival for the nonce): kept as it is and
            # tried again next step.
            log.warning("transfer %s: broadcast refused: %s", transfer.id, exc)
            return replace(transfer, error=str(exc), attempts=transfer.attempts + 1, updated_at=now)
        status = TransferStatus.STUCK if transfer.status is TransferStatus.STUCK else None
        return replace(
            transfer,
            status=status or TransferStatus.SENT,
            deposit_tx_hash=deposit_tx.tx_hash,
            attempts=transfer.attempts + 1,
            error=None,
            updated_at=now,
        )
    if int(receipt["status"], 16) != 1:
        return _failed(transfer, f"deposit {deposit_tx.tx_hash} reverted", now)
    deposit = await bridge.find_deposit(transfer.src_chain, deposit_tx.tx_hash)
    if deposit is None:
        return _failed(transfer, f"deposit {deposit_tx.tx_hash} made no {bridge.name} deposit", now)
    status = TransferStatus.STUCK if transfer.status is TransferStatus.STUCK else None
    return replace(
        transfer,
        status=status or TransferStatus.DEPOSITED,
        deposit_tx_hash=deposit.tx_hash,
        deposit_id=deposit.deposit_id,
        deposit_block=deposit.block_number,
        amount_out_expected=deposit.amount_out,
        updated_at=now,
    )


def _failed(transfer: BridgeTransfer, reason: str, now: datetime) -> BridgeTransfer:
    log.error("transfer %s failed: %s", transfer.id, reason)
    return replace(transfer, status=TransferStatus.FAILED, error=reason, updated_at=now)

"""`bridge_transfers` on SQLite and PostgreSQL: a transfer written with its signed transactions
reads back equal (amounts exact past 2**64), moves through its statuses, is listed in flight
until it is final, and recent transfers come newest first."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from omniarb.bridges.base import TransferStatus
from omniarb.errors import NotFoundError
from omniarb.store import HistoryDatabase
from omniarb.store.bridge_transfers import BridgeTransfer, BridgeTransferStore, SourceTx

pytestmark = pytest.mark.integration

T0 = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)
ACCOUNT = "0x" + "ab" * 20


def transfer(n: int, status: TransferStatus = TransferStatus.PLANNED) -> BridgeTransfer:
    at = T0 + timedelta(seconds=n)
    return BridgeTransfer(
        id=f"across-{n:032x}",
        bridge="across",
        src_chain="ethereum",
        dst_chain="arbitrum",
        asset="ETH",
        token_in="0x" + "11" * 20,
        token_out="0x" + "22" * 20,
        sender=ACCOUNT,
        recipient=ACCOUNT,
        amount_in=2**70 + n,  # past SQLite's 64-bit INTEGER
        amount_out_expected=2**70 - 5,
        fee_usd=1.25,
        status=status,
        src_txs=(
            SourceTx(nonce=7, tx_hash="0x" + "aa" * 32, raw="0x02f8aa"),
            SourceTx(nonce=8, tx_hash="0x" + "bb" * 32, raw="0x02f8bb"),
        ),
        deposit_tx_hash="0x" + "bb" * 32,
        created_at=at,
        deadline_at=at + timedelta(minutes=30),
        updated_at=at,
    )


async def test_insert_update_and_list(db_url: str) -> None:
    database = HistoryDatabase.open(db_url)
    try:
        store = BridgeTransferStore(database.engine)
        first, second, third = transfer(1), transfer(2), transfer(3)
        for t in (first, second, third):
            await store.insert(t)
        assert await store.get(first.id) == first
        assert [t.id for t in await store.in_flight()] == [first.id, second.id, third.id]
        deposited = replace(
            first, status=TransferStatus.DEPOSITED, deposit_id="42", deposit_block=100,
            updated_at=T0 + timedelta(seconds=10),
        )  # fmt: skip
        await store.save(deposited)
        arrived = replace(
            deposited, status=TransferStatus.ARRIVED, amount_received=2**70 - 5,
            arrival_tx_hash="0x" + "cc" * 32, arrival_block=55,
            arrived_at=T0 + timedelta(minutes=1),
        )  # fmt: skip
        await store.save(arrived)
        await store.save(replace(second, status=TransferStatus.FAILED, error="deposit reverted"))
        await store.save(replace(third, status=TransferStatus.STUCK))
        assert await store.get(first.id) == arrived
        # Arrived and failed are final; stuck is still tracked.
        assert [t.id for t in await store.in_flight()] == [third.id]
        assert [t.id for t in await store.recent(2)] == [third.id, second.id]
        assert arrived.to_json()["amount_in"] == str(2**70 + 1)
        assert arrived.to_json()["src_txs"] == ["0x" + "aa" * 32, "0x" + "bb" * 32]
        with pytest.raises(NotFoundError):
            await store.save(transfer(9))
        with pytest.raises(NotFoundError):
            await store.get("nope")
    finally:
        database.dispose()

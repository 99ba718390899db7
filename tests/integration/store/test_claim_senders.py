"""A claim names the key that signs its transaction, whichever path writes it (the loop's own
SQLite connection, the claims thread, a fenced claim), and reads back by key in any number, on
SQLite and PostgreSQL: reconciliation needs it to spend an unsent claim's nonce with the right
key (`omniarb.reconcile`)."""

from __future__ import annotations

import asyncio

from omniarb.store import HistoryDatabase, HistoryStore

ALICE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
BOB = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


async def test_each_claim_reads_back_with_its_key(db_url: str) -> None:
    async with HistoryStore.open(db_url) as store:
        # More keys than one read's slice, from two signers, and one claim that names none.
        keys = [f"opp-{n}" for n in range(1_201)]
        for n, key in enumerate(keys[:-1]):
            sender = ALICE if n % 2 else BOB
            assert await store.submissions.claim(
                key, chain_id=1, tx_hash=f"0x{n:064x}", nonce=n, sender=sender
            )
        assert await store.submissions.claim(keys[-1], chain_id=1, tx_hash="0x" + "f" * 64)
        senders = await asyncio.to_thread(store.claim_senders, [*keys, "never-claimed"])
    assert len(senders) == len(keys)
    assert [senders[key] for key in keys[:4]] == [BOB, ALICE, BOB, ALICE]
    assert sum(sender == ALICE for sender in senders.values()) == 600
    assert senders[keys[-1]] is None


def test_a_fenced_claim_keeps_its_key(db_url: str) -> None:
    database = HistoryDatabase.open(db_url)
    try:
        assert database.claim(
            "fenced", chain_id=1, tx_hash="0x" + "1" * 64, nonce=0, fencing_token=7, sender=ALICE
        )
        assert database.claim_senders(["fenced"]) == {"fenced": ALICE}
    finally:
        database.dispose()

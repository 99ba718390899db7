"""The lease where it matters, on the real Redis and PostgreSQL (and SQLite, the single-process
default): `FencedSigner` signs exactly as its key does while the lease is valid and refuses
after; `FencedGuard` stores the token with each claim and refuses a stale one; the stored
tokens are the floor a new lease's token exceeds after Redis lost its data; a standby reads the
claims a dead worker left."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis
from _waits import eventually
from sqlalchemy import select
from sqlalchemy.orm import Session

from omniarb.chains.fees import Eip1559Fees, LegacyFees
from omniarb.chains.rpc import RpcClient
from omniarb.cluster.fence import FencedGuard, FencedSigner, claims_floor
from omniarb.cluster.lease import SignerLease, StaleLeaseError
from omniarb.config import RedisSettings
from omniarb.devnet.accounts import dev_account
from omniarb.devnet.anvil import AnvilNode, AnvilOptions
from omniarb.execute.nonces import NonceManager
from omniarb.execute.signer import Signer
from omniarb.execute.submit import MemorySubmissionGuard, Submitter, TxRequest
from omniarb.store import HistoryDatabase, SubmissionLedger
from omniarb.store.models import SubmissionRow

TTL_S = 0.6
CHAIN_ID = 31337
# anvil's account 0: a public test key.
KEY = dev_account(0).private_key
EXECUTOR = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
FEES = Eip1559Fees(max_fee_per_gas_wei=2_000_000_000, max_priority_fee_per_gas_wei=1_000_000)


@pytest.fixture(params=["postgresql", "sqlite"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'history.sqlite'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
async def make_lease(
    redis_url: str, prefix: str
) -> AsyncIterator[Callable[..., Awaitable[SignerLease]]]:
    made: list[SignerLease] = []

    async def make(holder: str, **kwargs: object) -> SignerLease:
        settings = RedisSettings.model_validate(
            {"enabled": True, "url": redis_url, "key_prefix": prefix}
        )
        lease = await SignerLease.connect(
            settings, name=f"devnet:{CHAIN_ID}", holder=holder, ttl_s=TTL_S, **kwargs
        )
        made.append(lease)
        return lease

    yield make
    for lease in made:
        await lease.close()


def _claims(database: HistoryDatabase) -> list[tuple[str, int | None, str]]:
    with Session(database.engine) as session:
        rows = session.execute(
            select(SubmissionRow.key, SubmissionRow.fencing_token, SubmissionRow.claimed_by)
        ).all()
    return sorted((key, token, by) for key, token, by in rows)


async def _lapsed(lease: SignerLease) -> None:
    async def lapsed() -> bool:
        return not lease.valid()

    await eventually(lapsed, what=f"lease {lease.name} to lapse", timeout_s=TTL_S * 2)


async def test_the_fenced_signer_signs_as_its_key_while_the_lease_is_valid(
    make_lease: Callable[..., Awaitable[SignerLease]],
) -> None:
    lease = await make_lease("active")
    inner = Signer(KEY, chain_id=CHAIN_ID)
    fenced = FencedSigner(inner, lease)
    with pytest.raises(StaleLeaseError, match="refusing to sign"):  # not acquired yet
        fenced.sign(nonce=0, to=EXECUTOR, data=b"\x01", gas=100_000, fees=FEES)
    await lease.acquire()
    assert fenced.address == inner.address
    assert fenced.chain_id == CHAIN_ID
    for fees in (FEES, LegacyFees(gas_price_wei=3_000_000_000, tip_wei=1_000_000)):
        ours = fenced.sign(nonce=7, to=EXECUTOR, data=b"\xab" * 68, gas=250_000, fees=fees)
        theirs = inner.sign(nonce=7, to=EXECUTOR, data=b"\xab" * 68, gas=250_000, fees=fees)
        assert ours == theirs
    assert len(fenced.digest_signer.sign_digest(b"\x11" * 32)) == 65
    # Nobody renews: once the local validity runs out, no signature of any kind.
    await _lapsed(lease)
    with pytest.raises(StaleLeaseError, match=r"fencing token 1\) is not held or may have lapsed"):
        fenced.sign(nonce=8, to=EXECUTOR, data=b"", gas=21_000, fees=FEES)
    with pytest.raises(StaleLeaseError):
        fenced.sign_legacy(nonce=8, to=EXECUTOR, data=b"", gas=21_000, gas_price_wei=1)
    with pytest.raises(StaleLeaseError):
        fenced.sign_eip1559(
            nonce=8,
            to=EXECUTOR,
            data=b"",
            gas=21_000,
            max_fee_per_gas_wei=2,
            max_priority_fee_per_gas_wei=1,
        )
    with pytest.raises(StaleLeaseError):
        fenced.digest_signer.sign_digest(b"\x11" * 32)
    assert "ac0974" not in repr(fenced)


class _FrozenInClaim(MemorySubmissionGuard):
    """Claims as the history does, but returns only once `lease` has lapsed: the process was
    frozen (SIGSTOP) inside its claim's round trip past the lease's ttl."""

    def __init__(self, lease: SignerLease) -> None:
        super().__init__()
        self._lease = lease
        self.keys: list[str] = []

    async def claim(self, key: str, **kwargs: Any) -> bool:
        claimed = await super().claim(key, **kwargs)
        self.keys.append(key)
        await _lapsed(self._lease)
        return claimed


async def test_a_worker_frozen_inside_its_claim_sends_nothing_on_resuming(
    make_lease: Callable[..., Awaitable[SignerLease]],
) -> None:
    """Signed and claimed while the lease held, then frozen past it: on resuming, the send is
    refused, so nothing reaches the node that the worker taking over may already have settled
    as never sent (its nonce unused)."""
    lease = await make_lease("active")
    assert await lease.acquire() is not None
    node = await AnvilNode.start(AnvilOptions(chain_id=CHAIN_ID, accounts=1))
    try:
        async with RpcClient(node.rpc_http) as rpc:
            signer = FencedSigner(Signer(KEY, chain_id=CHAIN_ID), lease)
            guard = _FrozenInClaim(lease)
            submitter = Submitter(
                rpc=rpc,
                signer=signer,
                nonces=NonceManager(rpc=rpc, address=signer.address),
                guard=guard,
            )
            request = TxRequest(to=signer.address, data=b"", gas=21_000, fees=FEES)
            with pytest.raises(StaleLeaseError, match="refusing to send"):
                await submitter.submit("frozen-in-claim", request, precheck=False)
            assert guard.keys == ["frozen-in-claim"]
            pending = await rpc.call("eth_getTransactionCount", signer.address, "pending")
            assert int(pending, 16) == 0
    finally:
        await node.stop()


async def test_the_fenced_guard_stores_the_token_and_refuses_a_stale_one(
    make_lease: Callable[..., Awaitable[SignerLease]], db_url: str
) -> None:
    active_db = HistoryDatabase.open(db_url)
    standby_db = HistoryDatabase.open(db_url, migrate=False)
    active_ledger, standby_ledger = SubmissionLedger(active_db), SubmissionLedger(standby_db)
    try:
        active = await make_lease("active")
        standby = await make_lease("standby")
        first = await active.acquire()
        guard = FencedGuard(active_ledger, active)
        assert await guard.claim("opp-1", chain_id=CHAIN_ID, tx_hash="0x" + "1" * 64, nonce=0)
        assert not await guard.claim("opp-1", chain_id=CHAIN_ID)  # still claimed once only
        # A caller's token is not trusted: the lease's is stored.
        assert await guard.claim("opp-2", chain_id=CHAIN_ID, nonce=1, fencing_token=999)
        await guard.resigned("opp-2", tx_hash="0x" + "2" * 64, nonce=1)
        assert [(k, t) for k, t, _ in _claims(active_db)] == [("opp-1", first), ("opp-2", first)]
        # The active worker stops renewing; the standby takes over with a larger token.
        second = await asyncio.wait_for(standby.wait_acquire(asyncio.Event()), TTL_S * 3)
        assert second > first
        with pytest.raises(StaleLeaseError, match=f"our fencing token is {first}"):
            await guard.claim("opp-3", chain_id=CHAIN_ID, tx_hash="0x" + "3" * 64, nonce=2)
        with pytest.raises(StaleLeaseError):
            await guard.resigned("opp-2", tx_hash="0x" + "4" * 64, nonce=1)
        standby_guard = FencedGuard(standby_ledger, standby)
        assert await standby_guard.claim("opp-3", chain_id=CHAIN_ID, nonce=2)
        stored = _claims(active_db)
        assert [(k, t) for k, t, _ in stored] == [
            ("opp-1", first),
            ("opp-2", first),  # the refused re-sign changed nothing
            ("opp-3", second),
        ]
        assert await active_ledger.max_fencing_token(chain_id=CHAIN_ID) == second
        # A worker frozen between its lease check and its claim's insert: the database itself
        # refuses the older token, in the claim's transaction.
        with pytest.raises(StaleLeaseError, match=f"fencing token {first} is older .* {second}"):
            await active_ledger.claim("opp-4", chain_id=CHAIN_ID, nonce=3, fencing_token=first)
        with pytest.raises(StaleLeaseError, match="older than the newest stored"):
            await active_ledger.resigned(
                "opp-1", tx_hash="0x" + "7" * 64, nonce=0, fencing_token=first
            )
        # Without a token (a single process) nothing is fenced, as before.
        assert await active_ledger.claim("opp-5", chain_id=CHAIN_ID, nonce=4)
        assert [(k, t) for k, t, _ in _claims(active_db)][2:] == [
            ("opp-3", second),
            ("opp-5", None),
        ]
        assert await active_ledger.max_fencing_token(chain_id=CHAIN_ID + 1) == 0
    finally:
        for ledger, database in ((active_ledger, active_db), (standby_ledger, standby_db)):
            ledger.close()
            database.dispose()


async def test_a_new_token_exceeds_every_stored_one_after_redis_lost_its_data(
    make_lease: Callable[..., Awaitable[SignerLease]], pg_url: str, redis_url: str, prefix: str
) -> None:
    database = HistoryDatabase.open(pg_url)
    ledger = SubmissionLedger(database)
    floor = claims_floor(ledger, chain_id=CHAIN_ID)
    try:
        tokens = []
        for i in range(3):
            lease = await make_lease(f"worker-{i}", floor=floor)
            token = await lease.acquire()
            assert token is not None
            tokens.append(token)
            guard = FencedGuard(ledger, lease)
            assert await guard.claim(f"opp-{i}", chain_id=CHAIN_ID, nonce=i)
            await lease.release()
        assert tokens == [1, 2, 3]
        # Redis restarted without persistence: the lease and the counter are gone.
        client = aioredis.Redis.from_url(redis_url)
        try:
            keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
            assert len(keys) == 1  # the fence counter (every lease was released)
            await client.delete(*keys)
        finally:
            await client.aclose()
        after = await make_lease("after-restart", floor=floor)
        token = await after.acquire()
        assert token is not None
        assert token > max(t for _, t, _ in _claims(database) if t is not None)
        assert token == 4
    finally:
        ledger.close()
        database.dispose()


async def test_a_standby_reads_the_claims_a_dead_worker_left(pg_url: str) -> None:
    """Reconciliation (`omniarb.reconcile`) settles a chain's claims whoever made them: the
    claims without an execution row are the chain's, not the process's."""
    dead = HistoryDatabase.open(pg_url)
    standby = HistoryDatabase.open(pg_url, migrate=False)
    try:
        tx_hash = "0x" + "5" * 64
        assert dead.claim(
            "opp-sent",
            claimed_by="host-a:111",
            chain_id=CHAIN_ID,
            tx_hash=tx_hash,
            nonce=4,
            fencing_token=3,
        )
        assert dead.claim(
            "opp-other-chain", claimed_by="host-a:111", chain_id=1, tx_hash="0x" + "6" * 64
        )
        executions, unknown = standby.unrecorded_sends(chain_id=CHAIN_ID)
        # No opportunity or decision row was written before it died: known by its hash only,
        # which reconciliation settles from the chain (and never sends again: still claimed).
        assert (executions, unknown) == ([], [tx_hash])
        assert not standby.claim("opp-sent", claimed_by="host-b:222", chain_id=CHAIN_ID)
    finally:
        dead.dispose()
        standby.dispose()

"""Rotating an executor key on a real anvil chain while the key pool keeps sending: every
transaction succeeds, the old key's nonces are all mined with no gap, the new key sends after the
switch, the old key is de-authorized on the executor and left with exactly 0 wei, and the audit
log (SQLite) holds every step in order. A crash between a step's transaction and its audit row
resumes without a second authorization or a second funding.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from _submit_bot import Bot, bot_on, make_submitter
from _waits import eventually

from omniarb.chains.spec import chain_by_name
from omniarb.custody.eoa_owner import EoaOwner
from omniarb.devnet.accounts import dev_account
from omniarb.execute import ExecutorContract, deploy_devnet_executor
from omniarb.execute.executor_calldata import accept_ownership_calldata
from omniarb.execute.key_pool import KeyPool
from omniarb.execute.nonces import NonceManager
from omniarb.execute.signer import Signer
from omniarb.execute.submit import MemorySubmissionGuard, Submitter
from omniarb.keys.gas_float import balance_wei
from omniarb.keys.keystore import KeystoreBackend
from omniarb.keys.rotation import RotationSettings, Rotator
from omniarb.store import HistoryStore
from omniarb.store.audit import AuditEntry
from omniarb.store.database import HistoryDatabase

pytestmark = pytest.mark.integration

OWNER_INDEX = 46  # an account no other part of the devnet (nor another test) uses
SWEEP_INDEX = 47
FLOAT_WEI = 10**17
_STEPS_NEW = ["key.create", "key.authorize", "key.fund", "key.activate"]
_STEPS_OLD = ["key.drain", "key.deauthorize", "key.sweep", "key.retire"]


@dataclass(slots=True)
class Rig:
    bot: Bot
    executor: ExecutorContract
    pool: KeyPool
    owner: EoaOwner
    owner_address: str
    backend: KeystoreBackend
    database: HistoryDatabase
    guard: MemorySubmissionGuard

    def submitter(self, signer: Signer) -> Submitter:
        nonces = NonceManager(rpc=self.bot.rpc, address=signer.address)
        return make_submitter(self.bot.rpc, signer, nonces, self.guard)

    def rotator(self, audit: Any = None, *, sweep_to: str | None = None) -> Rotator:
        return Rotator(
            chain=self.bot.chain.name,
            chain_id=self.bot.chain.chain_id,
            rpc=self.bot.rpc,
            fee_model=chain_by_name(self.bot.chain.name).fee_model,
            pool=self.pool,
            backend=self.backend,
            owner=self.owner,
            executor=self.executor.address,
            audit=audit or self.database,
            settings=RotationSettings(gas_float_wei=FLOAT_WEI, sweep_to=sweep_to),
        )

    async def count(self, address: str, tag: str = "latest") -> int:
        return int(await self.bot.rpc.call("eth_getTransactionCount", address, tag), 16)

    def audit_actions(self) -> list[tuple[str, str, str]]:
        rows = self.database.audit(action="key.", limit=1000)
        return [(r.action, r.subject.lower(), r.outcome) for r in sorted(rows, key=_row_id)]


def _row_id(entry: AuditEntry) -> int:
    return entry.id or 0


@contextlib.asynccontextmanager
async def rig_on(devnet_factory: Any, tmp_path: Path) -> AsyncIterator[Rig]:
    async with devnet_factory({"ethereum": 0.5}) as net, bot_on(net, "ethereum") as bot:
        executor = await deploy_devnet_executor(bot.rpc, bot.chain, bot=bot.signer.address)
        # The owner is a key of its own: the bot key it would otherwise be is rotated out here.
        # (Outside anvil's unlocked accounts: it signs its own transactions.)
        owner_account = dev_account(OWNER_INDEX)
        await bot.rpc.call("anvil_setBalance", owner_account.address, hex(10**20))
        await executor.transfer_ownership(bot.signer.address, owner_account.address)
        guard = MemorySubmissionGuard()
        owner_signer = Signer(owner_account.private_key, chain_id=bot.chain.chain_id)
        owner_nonces = NonceManager(rpc=bot.rpc, address=owner_signer.address)
        owner = EoaOwner(
            rpc=bot.rpc,
            submitter=make_submitter(bot.rpc, owner_signer, owner_nonces, guard),
            fee_model=chain_by_name("ethereum").fee_model,
        )
        await owner.call(to=executor.address, data=accept_ownership_calldata())
        assert await executor.owner() == owner_account.address
        store = await asyncio.to_thread(HistoryStore.open, f"sqlite:///{tmp_path / 'h.db'}")
        rig = Rig(
            bot=bot,
            executor=executor,
            pool=KeyPool(bot.submitter, rpc=bot.rpc),  # given its key factory just below
            owner=owner,
            owner_address=owner_account.address,
            backend=KeystoreBackend(
                tmp_path / "keys", lambda: "rotation test passphrase", scrypt_n=2**12
            ),
            database=store.database,
            guard=guard,
        )
        rig.pool = KeyPool(bot.submitter, rpc=bot.rpc, make_submitter=rig.submitter)
        try:
            yield rig
        finally:
            await store.close()


@dataclass(frozen=True, slots=True)
class Trade:
    sender: str
    success: bool
    sent_at: datetime


async def _trade_until(rig: Rig, stop: asyncio.Event, trades: list[Trade]) -> None:
    """Three trades at a time through the pool, each followed until it is mined."""
    serial = 0

    async def one() -> None:
        nonlocal serial
        serial += 1
        sent = await rig.pool.submit(f"trade-{serial}", await rig.bot.deposit(value=10**9))
        at = datetime.now()
        tx = await rig.bot.rpc.call("eth_getTransactionByHash", sent.tx_hash)
        landing = await rig.pool.land(sent.tx_hash)
        assert landing.receipt is not None
        trades.append(Trade(str(tx["from"]).lower(), landing.receipt.success, at))

    while not stop.is_set():
        await asyncio.gather(one(), one(), one())


async def test_rotation_while_trading(devnet_factory: Any, tmp_path: Path) -> None:
    async with rig_on(devnet_factory, tmp_path) as rig:
        old = rig.bot.signer.address
        old_start = await rig.count(old)
        await rig.rotator().restore()  # the first key joins the log as it joins the pool
        stop, trades = asyncio.Event(), list[Trade]()
        trading = asyncio.create_task(_trade_until(rig, stop, trades))
        try:
            await _until(lambda: len(trades) >= 6, trading, "six trades by the first key")
            result = await rig.rotator().rotate(reason="test")
            switched = len(trades)
            await _until(
                lambda: len(trades) >= switched + 6, trading, "six trades after the switch"
            )
        finally:
            stop.set()
            await trading
        new = result.new_address
        assert result.old_address == old

        assert all(t.success for t in trades)
        assert {t.sender for t in trades[switched:]} == {new.lower()}
        # Every nonce of the old key mined, none left pending: its trades, the float it sent
        # the new key and its sweep, one nonce each, contiguous from where it started.
        old_trades = [t for t in trades if t.sender == old.lower()]
        assert await rig.count(old, "pending") == await rig.count(old)
        assert await rig.count(old) == old_start + len(old_trades) + 2
        assert await rig.executor.is_executor(old) is False
        assert await rig.executor.is_executor(new) is True
        assert await balance_wei(rig.bot.rpc, old) == 0
        assert not rig.pool.has(old)
        assert rig.pool.active_addresses == [new]
        # Owner calls after accepting ownership: authorize the new key, de-authorize the old.
        assert await rig.count(rig.owner_address) == 1 + 2

        actions = rig.audit_actions()
        assert actions == [
            ("key.activate", old.lower(), "ok"),
            *((step, new.lower(), "ok") for step in _STEPS_NEW),
            *((step, old.lower(), "ok") for step in _STEPS_OLD),
        ]
        rows = {r.action: r for r in rig.database.audit(action="key.", limit=100)}
        assert rows["key.authorize"].details["setexecutor_tx"].startswith("0x")
        assert rows["key.fund"].details["amount_wei"] == str(FLOAT_WEI)
        assert rows["key.sweep"].details["sweep_tx"].startswith("0x")


class CrashingAudit:
    """The real audit log, with the process "dying" once right before the ok row of
    `crash_on` is written: the step's transaction is mined and the log does not know it."""

    def __init__(self, database: HistoryDatabase, crash_on: str) -> None:
        self._database = database
        self._crash_on: str | None = crash_on

    def append_audit(self, entry: AuditEntry) -> int:
        if entry.action == self._crash_on and entry.outcome == "ok":
            self._crash_on = None
            raise _Crash(entry.action)
        return self._database.append_audit(entry)

    def audit(self, **filters: Any) -> list[AuditEntry]:
        return self._database.audit(**filters)


class _Crash(BaseException):
    """Not an `Exception`: nothing in the rotation may catch and log it as a failed step."""


@pytest.mark.parametrize("crash_on", ["key.authorize", "key.fund", "key.sweep"])
async def test_a_crash_between_steps_resumes_once(
    devnet_factory: Any, tmp_path: Path, crash_on: str
) -> None:
    async with rig_on(devnet_factory, tmp_path) as rig:
        old = rig.bot.signer.address
        sweep_to = dev_account(SWEEP_INDEX).address
        sweep_start_wei = await balance_wei(rig.bot.rpc, sweep_to)
        old_balance_wei = await balance_wei(rig.bot.rpc, old)
        old_start = await rig.count(old)
        first_block = int(await rig.bot.rpc.call("eth_blockNumber"), 16) + 1
        with pytest.raises(_Crash):
            await rig.rotator(CrashingAudit(rig.database, crash_on), sweep_to=sweep_to).rotate()
        # A restarted process: a fresh pool of the first key, rebuilt from the log, resumes.
        rig.pool = KeyPool(rig.bot.submitter, rpc=rig.bot.rpc, make_submitter=rig.submitter)
        rotator = rig.rotator(sweep_to=sweep_to)
        await rotator.restore()
        result = await rotator.rotate()
        new = result.new_address
        assert result.old_address == old

        # Accepting ownership, then one authorization and one de-authorization.
        assert await rig.count(rig.owner_address) == 1 + 2
        assert await rig.executor.is_executor(new) is True
        assert await rig.executor.is_executor(old) is False
        # Funded once, exactly the float; the old key swept to 0, all of it accounted for.
        assert await balance_wei(rig.bot.rpc, new) == FLOAT_WEI
        assert await balance_wei(rig.bot.rpc, old) == 0
        fund_fee_wei, sweep_fee_wei = await _fees_paid_by(rig, old, first_block)
        swept_wei = await balance_wei(rig.bot.rpc, sweep_to) - sweep_start_wei
        assert swept_wei == old_balance_wei - FLOAT_WEI - fund_fee_wei - sweep_fee_wei
        assert await rig.count(old) == old_start + 2  # the float and the sweep
        ok = [a for a in rig.audit_actions() if a[2] == "ok"]
        assert [a[0] for a in ok if a[1] == new.lower()] == _STEPS_NEW
        # (The restarted process logs the first key's joining its pool, `key.activate`.)
        old_steps = [a[0] for a in ok if a[1] == old.lower() and a[0] != "key.activate"]
        assert old_steps == _STEPS_OLD
        assert [k.address for k in rig.backend.list_keys()] == [new]


async def _fees_paid_by(rig: Rig, address: str, first_block: int) -> list[int]:
    """The fee of each transaction `address` sent from `first_block` on, from their receipts."""
    head = int(await rig.bot.rpc.call("eth_blockNumber"), 16)
    fees = []
    for number in range(first_block, head + 1):
        block = await rig.bot.rpc.call("eth_getBlockByNumber", hex(number), True)
        for tx in block["transactions"]:
            if str(tx["from"]).lower() == address.lower():
                receipt = await rig.bot.rpc.call("eth_getTransactionReceipt", tx["hash"])
                fees.append(int(receipt["gasUsed"], 16) * int(receipt["effectiveGasPrice"], 16))
    return fees


async def _until(condition: Callable[[], bool], task: asyncio.Task[None], what: str) -> None:
    """Wait until `condition` holds; fail loudly if the trading task died first."""

    async def check() -> bool:
        if task.done():
            task.result()
            raise AssertionError("trading stopped")
        return condition()

    await eventually(check, what=what, timeout_s=60, interval_s=0.05)

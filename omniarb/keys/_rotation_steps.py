"""The chain-facing half of a key rotation (`omniarb.keys.rotation`): the audit row of each
step, and the steps that read or move something on chain (authorization, the gas float, the
settling of the old key, the sweep) or in the backend. `Rotator` orders them."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import FeeModel
from omniarb.custody.owner import OwnerActions
from omniarb.errors import OmniarbError
from omniarb.execute.executor_calldata import set_executor_calldata
from omniarb.execute.key_pool import KeyPool
from omniarb.execute.signer import Signer
from omniarb.execute.submit import Submitter
from omniarb.keys.base import KeyBackend
from omniarb.keys.gas_float import balance_wei, send_gas, sweep_gas
from omniarb.keys.rotation_log import AuditSink, KeyRecord, read_chain_keys
from omniarb.store.audit import AuditEntry, AuditOutcome

__all__ = ["RotationSettings", "RotationStepError", "RotationSteps"]

log = logging.getLogger(__name__)


class RotationStepError(OmniarbError):
    """A rotation step failed; the audit log has its failed row and the keys' state."""

    def __init__(self, step: str, address: str, cause: BaseException) -> None:
        super().__init__(f"key rotation step {step} of {address} failed: {cause}")
        self.step = step
        self.address = address


@dataclass(frozen=True, slots=True, kw_only=True)
class RotationSettings:
    """A chain's rotation: the new key's gas float, who sends it (None: the old key), where a
    retired key's gas goes (None: the new key), and how long the old key may take to settle."""

    gas_float_wei: int
    funder: Submitter | None = None
    sweep_to: str | None = None
    settle_timeout_s: float = 120.0
    settle_poll_s: float = 0.25
    tip_wei: int = 0


class RotationSteps:
    """One chain's rotation steps; see the module docstring."""

    def __init__(
        self,
        *,
        chain: str,
        chain_id: int,
        rpc: RpcClient,
        fee_model: FeeModel,
        pool: KeyPool,
        backend: KeyBackend,
        owner: OwnerActions,
        executor: str,
        audit: AuditSink,
        settings: RotationSettings,
        actor: str = "bot",
    ) -> None:
        self.chain = chain
        self._chain_id = chain_id
        self._rpc = rpc
        self._fee_model = fee_model
        self.pool = pool
        self._backend = backend
        self._owner = owner
        self._executor = executor
        self._audit = audit
        self._settings = settings
        self._actor = actor
        # One rotation at a time per chain: the policy chore and an operator may both ask.
        self._lock = asyncio.Lock()

    # ------------------------------------------------------------------ the log
    async def records(self) -> dict[str, KeyRecord]:
        return await read_chain_keys(self._audit, self.chain)

    async def _write(
        self, step: str, address: str, outcome: AuditOutcome, details: dict[str, Any]
    ) -> None:
        entry = AuditEntry.now(
            actor=self._actor,
            action=f"key.{step}",
            subject=address,
            outcome=outcome,
            chain=self.chain,
            details=details,
        )
        await asyncio.to_thread(self._audit.append_audit, entry)

    async def _step(
        self, step: str, address: str, run: Callable[[], Awaitable[dict[str, Any]]]
    ) -> dict[str, Any]:
        """Run one step and write its row: ok with its details, or failed with the error."""
        try:
            details = await run()
        except Exception as exc:
            await self._write(step, address, "failed", {"error": str(exc)[:500]})
            raise RotationStepError(step, address, exc) from exc
        await self._write(step, address, "ok", details)
        log.info("%s: key.%s %s %s", self.chain, step, address, details)
        return details

    # ------------------------------------------------------------------ chain facts
    async def is_executor(self, address: str) -> bool:
        answer = await self._rpc.call(
            "eth_call",
            {"to": self._executor, "data": encode_call("isExecutor(address)", address)},
            "latest",
        )
        return bool(decode(["bool"], answer)[0])

    async def tx_count(self, address: str) -> int:
        """How many transactions `address` has had mined (its nonce): the policy's count."""
        return int(await self._rpc.call("eth_getTransactionCount", address, "latest"), 16)

    def _signer_of(self, address: str) -> Signer:
        return Signer.from_digest_signer(
            self._backend.digest_signer(address), chain_id=self._chain_id
        )

    def _backend_addresses(self) -> set[str]:
        return {info.address.lower() for info in self._backend.list_keys()}

    async def _authorize(self, new: str) -> dict[str, Any]:
        if await self.is_executor(new):
            return {"already": True}  # a crash came after the call and before its row
        result = await self._owner.call(to=self._executor, data=set_executor_calldata(new, True))
        return {"setexecutor_tx": result.tx_hash, "block_number": result.block_number}

    async def _fund(self, new: str, funded_by: str | None) -> dict[str, Any]:
        target_wei = self._settings.gas_float_wei
        held_wei = await balance_wei(self._rpc, new)
        if held_wei >= target_wei:
            # Funded before a crash (or by hand): never twice.
            return {"already": True, "balance_wei": str(held_wei)}
        funder = self._settings.funder
        if funder is None:
            funder = await self._richest_key(new, funded_by)
        move = await send_gas(
            funder,
            self._rpc,
            to=new,
            amount_wei=target_wei - held_wei,
            fee_model=self._fee_model,
            key=f"key-fund:{self.chain}:{new}",
            tip_wei=self._settings.tip_wei,
        )
        return {
            "from": funder.address,
            "amount_wei": str(move.amount_wei),
            "fund_tx": move.tx_hash,
            "block_number": move.block_number,
        }

    async def _richest_key(self, new: str, preferred: str | None) -> Submitter:
        """Without a configured funder the float comes from our own keys: `preferred` (the
        key being replaced) when it holds the most, else the pool's key that does."""
        candidates = [a for a in self.pool.active_addresses if a != new]
        if preferred is not None and self.pool.has(preferred) and preferred not in candidates:
            candidates.append(preferred)
        if not candidates:
            raise ValueError("no funder configured and no key of ours to fund from")
        balances = {a: await balance_wei(self._rpc, a) for a in candidates}
        richest = max(candidates, key=lambda a: (balances[a], a == preferred))
        return self.pool.submitter_of(richest)

    async def _deauthorize(self, old: str) -> dict[str, Any]:
        if self.pool.has(old):
            await self._until_settled(old)
        if not await self.is_executor(old):
            return {"already": True}
        result = await self._owner.call(to=self._executor, data=set_executor_calldata(old, False))
        return {"setexecutor_tx": result.tx_hash, "block_number": result.block_number}

    async def _until_settled(self, old: str) -> None:
        deadline = time.monotonic() + self._settings.settle_timeout_s
        while not await self.pool.settled(old):
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"key {old} still has transactions pending after "
                    f"{self._settings.settle_timeout_s:.0f} s"
                )
            await asyncio.sleep(self._settings.settle_poll_s)

    async def _sweep(self, old: str, new: str | None) -> dict[str, Any]:
        to = self._settings.sweep_to or new or next(iter(self.pool.active_addresses), None)
        if to is None:
            raise ValueError("nowhere to sweep to: no sweep_to and no active key")
        submitter = self.pool.submitter_of(old) if self.pool.has(old) else self._detached(old)
        move = await sweep_gas(
            submitter,
            self._rpc,
            to=to,
            key=f"key-sweep:{self.chain}:{old}",
            tip_wei=self._settings.tip_wei,
        )
        if move is None:
            return {"to": to, "amount_wei": "0"}
        return {
            "to": to,
            "amount_wei": str(move.amount_wei),
            "fee_wei": str(move.fee_wei),
            "sweep_tx": move.tx_hash,
        }

    def _detached(self, old: str) -> Submitter:
        # The key left the pool before a crash: a submitter of its own for the sweep.
        self.pool.add_signer(self._signer_of(old))
        self.pool.drain(old)
        return self.pool.submitter_of(old)

    async def _retire(self, old: str) -> dict[str, Any]:
        if self.pool.has(old):
            self.pool.remove(old)
        if old.lower() not in self._backend_addresses():
            # A key made outside the backend (the environment's): nothing to mark there.
            return {"backend": None}
        info = self._backend.retire_key(old)
        return {"backend": info.backend}

"""A chain's pool of executor keys: one `Submitter` (signer + its own nonce sequence) per key,
one key picked per trade, so concurrent trades never queue behind one nonce sequence.

    pool = KeyPool(primary_submitter, rpc=rpc)
    pool.add(submitter_of_new_key)       # active: takes new trades
    pool.drain(old_address)              # no new trades; its pending ones settle
    sent = await pool.submit(key, request)
    landing = await pool.land(sent.tx_hash)   # followed, re-priced, bundled by the key that signed

A trade goes to the active key with the fewest transactions in flight, ties broken round-robin.
Everything that follows a sent transaction (receipts, stuck-transaction replacement, bundles) is
routed to the submitter that signed it, by hash; a draining key therefore keeps following its
own transactions until they land. A key is *settled* once nothing of it is in flight and the
node's mined count reached every nonce it handed out: then the owner may de-authorize it.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Sequence

from eth_utils.address import to_checksum_address

from omniarb.chains.rpc import RpcClient
from omniarb.execute.bundle_send import BundleSender
from omniarb.execute.in_flight import InFlightTx
from omniarb.execute.signer import Signer
from omniarb.execute.submit import Submitter
from omniarb.execute.submit_values import Submission, TxRequest
from omniarb.types import Landing, TxReceipt

__all__ = ["KeyPool", "KeyState", "NoActiveKeyError", "PooledKey"]

log = logging.getLogger(__name__)


class KeyState(enum.Enum):
    """A key's life in the pool: active → draining → retired (removed)."""

    ACTIVE = "active"
    DRAINING = "draining"


class NoActiveKeyError(ValueError):
    """The pool has no active key to send with (every key draining)."""


class PooledKey:
    """One key of the pool: its submitter, state and what of it is in flight."""

    __slots__ = ("in_flight", "sent_count", "state", "submitter")

    def __init__(self, submitter: Submitter) -> None:
        self.submitter = submitter
        self.state = KeyState.ACTIVE
        self.in_flight = 0
        self.sent_count = 0  # transactions this process sent with it

    @property
    def address(self) -> str:
        return self.submitter.address


def pick_key(keys: Sequence[PooledKey], turn: int) -> PooledKey:
    """The active key with the fewest in flight; among those, the one `turn` points at
    (round-robin over the tied keys in pool order)."""
    active = [k for k in keys if k.state is KeyState.ACTIVE]
    if not active:
        raise NoActiveKeyError("no active key in the pool")
    least = min(k.in_flight for k in active)
    tied = [k for k in active if k.in_flight == least]
    return tied[turn % len(tied)]


class KeyPool:
    """The chain's executor keys behind the `Submitter` surface the pipeline uses."""

    def __init__(
        self,
        primary: Submitter,
        *,
        rpc: RpcClient,
        make_submitter: Callable[[Signer], Submitter] | None = None,
    ) -> None:
        self._rpc = rpc
        self._make_submitter = make_submitter
        self._keys: dict[str, PooledKey] = {}
        self._by_hash: dict[str, PooledKey] = {}
        self._turn = 0
        self._primary = self.add(primary)

    # ------------------------------------------------------------------ membership
    def add(self, submitter: Submitter) -> PooledKey:
        """Put `submitter`'s key in the pool, active."""
        address = _checksum(submitter.address)
        if address in self._keys:
            existing = self._keys[address]
            existing.state = KeyState.ACTIVE
            return existing
        key = self._keys[address] = PooledKey(submitter)
        log.info("key %s joins the pool", address)
        return key

    def add_signer(self, signer: Signer) -> PooledKey:
        """Put a new key in the pool, with a submitter built like the chain's first one."""
        if self._make_submitter is None:
            raise ValueError("this pool was built without a way to make submitters")
        if self.has(signer.address):
            return self.add(self.submitter_of(signer.address))
        return self.add(self._make_submitter(signer))

    def drain(self, address: str) -> None:
        """No new trades for `address`; what it sent is still followed until it lands."""
        self._key(address).state = KeyState.DRAINING
        log.info("key %s drains", _checksum(address))

    def remove(self, address: str) -> None:
        """Forget a settled key (retired)."""
        key = self._key(address)
        if key.in_flight:
            raise ValueError(f"key {key.address} still has {key.in_flight} in flight")
        del self._keys[_checksum(address)]
        if key is self._primary:
            self._primary = next(iter(self._keys.values()), key)

    def has(self, address: str) -> bool:
        return _checksum(address) in self._keys

    def state_of(self, address: str) -> KeyState:
        return self._key(address).state

    def submitter_of(self, address: str) -> Submitter:
        return self._key(address).submitter

    @property
    def keys(self) -> list[PooledKey]:
        return list(self._keys.values())

    @property
    def active_addresses(self) -> list[str]:
        return [k.address for k in self._keys.values() if k.state is KeyState.ACTIVE]

    def _key(self, address: str) -> PooledKey:
        try:
            return self._keys[_checksum(address)]
        except KeyError:
            raise ValueError(f"key {address} is not in the pool") from None

    async def settled(self, address: str) -> bool:
        """True once nothing of `address` is in flight and every nonce it sent is mined."""
        key = self._key(address)
        if key.in_flight:
            return False
        mined = int(await self._rpc.call("eth_getTransactionCount", key.address, "latest"), 16)
        pending = int(await self._rpc.call("eth_getTransactionCount", key.address, "pending"), 16)
        handed_out = key.submitter.nonces.next_nonce
        return mined == pending and (handed_out is None or mined >= handed_out)

    # ------------------------------------------------------------------ the Submitter surface
    @property
    def address(self) -> str:
        """The primary key's address (the pre-check's `from` when no key is named)."""
        return self._primary.address

    @property
    def bundles(self) -> BundleSender | None:
        return self._primary.submitter.bundles

    async def precheck(
        self, request: TxRequest, *, block: str | dict[str, str] = "latest"
    ) -> bytes:
        """Simulate `request` as the key the next trade would most likely use."""
        return await self._next_key().submitter.precheck(request, block=block)

    def chain_rewritten(self) -> None:
        for key in self._keys.values():
            key.submitter.chain_rewritten()

    def _next_key(self) -> PooledKey:
        return pick_key(list(self._keys.values()), self._turn)

    async def submit(
        self,
        key: str,
        request: TxRequest,
        *,
        precheck: bool = True,
        lead: Sequence[str] = (),
    ) -> Submission:
        """Send with the picked key (`Submitter.submit`); the hash is remembered for its key."""
        pooled = self._next_key()
        self._turn += 1
        pooled.in_flight += 1
        try:
            sent = await pooled.submitter.submit(key, request, precheck=precheck, lead=lead)
        except BaseException:
            pooled.in_flight -= 1
            raise
        pooled.sent_count += 1
        self._by_hash[sent.tx_hash] = pooled
        return sent

    def _owner_of(self, tx_hash: str) -> PooledKey | None:
        return self._by_hash.get(tx_hash)

    def _settle(self, tx_hash: str) -> None:
        pooled = self._by_hash.pop(tx_hash, None)
        if pooled is not None:
            pooled.in_flight -= 1

    async def land(self, tx_hash: str, *, timeout_s: float | None = None) -> Landing:
        pooled = self._owner_of(tx_hash) or self._primary
        try:
            return await pooled.submitter.land(tx_hash, timeout_s=timeout_s)
        finally:
            self._settle(tx_hash)

    async def wait_for_receipt(self, tx_hash: str, *, timeout_s: float | None = None) -> TxReceipt:
        pooled = self._owner_of(tx_hash) or self._primary
        try:
            return await pooled.submitter.wait_for_receipt(tx_hash, timeout_s=timeout_s)
        finally:
            self._settle(tx_hash)

    async def follow(
        self, sent: InFlightTx, *, timeout_s: float | None = None, sender: str | None = None
    ) -> Landing:
        """Follow `sent` with the key that signed it: `sender` (a previous run's transaction,
        from the node), else the key that sent its hash in this run, else the primary."""
        pooled = (
            self._keys.get(_checksum(sender)) if sender is not None else None
        ) or self._owner_of(sent.tx_hash)
        if pooled is None and sender is not None:
            # A key of an earlier run not (yet) back in the pool (the rotation restores the
            # pool after the start-up reconciliation): nobody here can re-price it, so its
            # receipt is awaited as it is.
            log.warning(
                "%s was sent by %s, not in the pool: awaited unreplaced", sent.tx_hash, sender
            )
            receipt = await self._primary.submitter.wait_for_receipt(
                sent.tx_hash, timeout_s=timeout_s
            )
            return Landing(receipt=receipt, cancelled=False)
        return await (pooled or self._primary).submitter.follow(sent, timeout_s=timeout_s)


def _checksum(address: str) -> str:
    return str(to_checksum_address(address))

"""The signer lease where it matters: at every signature and at every submission claim.

* `FencedSigner` is a `Signer` whose every signature (a trade, a replacement, a cancel, an
  EIP-712 digest) first asks `lease.valid()`: the local clock, no round trip. A worker whose
  lease may have lapsed (frozen, or cut off from Redis past the ttl) cannot sign at all.
  It asks again right before the send (`check_may_send`), which a process frozen after its
  claim meets on resuming.
* `FencedGuard` is a `SubmissionGuard` that, before each claim and each re-signed claim, awaits
  `lease.check()` (one round trip: the key's newest fencing token must be ours) and stores the
  token with the claim. A worker resumed after another took its lease over is refused there,
  before its transaction leaves.

Both raise `StaleLeaseError`, a `FatalError`: the engine stops, nothing more is sent.

    lease = await SignerLease.connect(..., floor=claims_floor(store.submissions, chain_id=1))
    signer = FencedSigner(signer, lease)
    guard = FencedGuard(store.submissions, lease)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from omniarb.cluster.lease import SignerLease, StaleLeaseError
from omniarb.execute.signer import Signer
from omniarb.execute.submit_values import SubmissionGuard
from omniarb.keys.base import DigestSigner

__all__ = ["FencedGuard", "FencedSigner", "claims_floor"]


def _refuse_if_lapsed(lease: SignerLease, what: str = "sign") -> None:
    if not lease.valid():
        raise StaleLeaseError(
            f"{lease.holder}: refusing to {what}: lease {lease.name} (fencing token "
            f"{lease.token}) is not held or may have lapsed",
            ours=lease.token,
            newest=None,
        )


class _FencedDigestSigner:
    """The inner key's digest signer, behind the lease's local validity."""

    __slots__ = ("_inner", "_lease")

    def __init__(self, inner: DigestSigner, lease: SignerLease) -> None:
        self._inner = inner
        self._lease = lease

    @property
    def address(self) -> str:
        return self._inner.address

    def sign_digest(self, digest: bytes) -> bytes:
        _refuse_if_lapsed(self._lease)
        return self._inner.sign_digest(digest)


class FencedSigner(Signer):
    """`inner`'s key and chain, signing only while `lease.valid()`.

    Every transaction signature of a `Signer` goes through its digest signer once the key is
    not a bare in-process one, so fencing the digest signer covers `sign`, `sign_eip1559`,
    `sign_legacy` and `digest_signer` alike; the key stays inside `inner`'s digest signer."""

    __slots__ = ("_lease",)

    def __init__(self, inner: Signer, lease: SignerLease) -> None:
        self._lease = lease
        self._setup(_FencedDigestSigner(inner.digest_signer, lease), inner.chain_id)

    @property
    def lease(self) -> SignerLease:
        return self._lease

    def check_may_send(self) -> None:
        """The lease's local validity once more, right before a send: a worker frozen between
        its signature (or its claim's round trip) and the send, past its lease, must not send
        on resuming what the worker that took over may already have settled as never sent."""
        _refuse_if_lapsed(self._lease, "send")

    def __repr__(self) -> str:
        return f"FencedSigner(address={self.address}, chain_id={self.chain_id}, {self._lease!r})"

    __str__ = __repr__


class FencedGuard:
    """`inner`'s claims (`omniarb.store.claims.SubmissionLedger`'s, which stores the token),
    each made only after `lease.check()` and with the token it returned: a `fencing_token`
    a caller passes is not trusted, the lease's is stored."""

    def __init__(self, inner: SubmissionGuard, lease: SignerLease) -> None:
        self._inner = inner
        self._lease = lease

    async def claim(
        self,
        key: str,
        *,
        chain_id: int | None = None,
        tx_hash: str | None = None,
        nonce: int | None = None,
        fencing_token: int | None = None,
        sender: str | None = None,
    ) -> bool:
        token = await self._lease.check()
        return await self._inner.claim(
            key,
            chain_id=chain_id,
            tx_hash=tx_hash,
            nonce=nonce,
            fencing_token=token,
            sender=sender,
        )

    async def resigned(
        self, key: str, *, tx_hash: str, nonce: int, fencing_token: int | None = None
    ) -> None:
        token = await self._lease.check()
        await self._inner.resigned(key, tx_hash=tx_hash, nonce=nonce, fencing_token=token)


class _StoredTokens(Protocol):
    async def max_fencing_token(self, *, chain_id: int) -> int: ...


def claims_floor(claims: _StoredTokens, *, chain_id: int) -> Callable[[], Awaitable[int]]:
    """A lease's `floor`: the largest fencing token stored with `chain_id`'s claims. A chain's
    signing keys share it (a floor only has to be at least the lease's own largest token)."""

    async def floor() -> int:
        return await claims.max_fencing_token(chain_id=chain_id)

    return floor

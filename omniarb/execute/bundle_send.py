"""Our transaction sent to a bundle relay instead of the public mempool: alone (front-running
protection: nobody sees it before it is mined) or behind the pending transactions it backruns.

    sender = BundleSender(relay=relay_client, head_block=lambda: sync.head.number, blocks_ahead=3)
    sent = await sender.send(signed, lead=(victim_raw_hex,), key=opportunity_id)
    landing = await sender.land(rpc, sent, poll_interval_s=0.05)

One bundle per block from the head's next to `blocks_ahead` blocks ahead, each with its own
replacement UUID (derived from the key and the block: a relay replaces a bundle sent again
with the same UUID, so one UUID for every block would leave only the last); the relay includes
one of them at most, since they share our nonce. A bundle that no block included by its last
target pays nothing and spends no nonce: `land` returns no receipt once the chain's head has
passed that block without our transaction, and the caller hands the nonce out again.

A send is made when at least one relay request was accepted. If every request was refused, the
relay holds nothing: when the chain's head (`chain_head`, one node round trip) has moved past the
head the bundles were built on (the synced state lags a fast chain on a busy machine, and a relay
refuses a block it has built), they are sent once more for the blocks after it; otherwise the
error says why and the nonce is free. If a request failed in transit,
the relay may hold that bundle: the send counts as made (`acknowledged` False when no request was
accepted), and landing tells.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from omniarb.chains.rpc import RpcClient
from omniarb.errors import OmniarbError, RejectedError, RetryableError
from omniarb.execute.bundle_requests import Bundle
from omniarb.execute.signer import SignedTx
from omniarb.tx_values import Landing, TxReceipt

__all__ = [
    "BundleRelay",
    "BundleSender",
    "BundleSent",
    "bundle_uuid",
]

log = logging.getLogger(__name__)

# The namespace of the replacement UUIDs derived from our keys (any fixed UUID would do).
_UUID_NAMESPACE = uuid.UUID("6f6d6e69-6172-6221-8000-62756e646c65")


class BundleRelay(Protocol):
    """What `BundleSender` needs of a relay client (`omniarb.execute.relay_client`)."""

    async def send_bundle(self, bundle: Bundle) -> str: ...

    async def cancel_bundle(self, replacement_uuid: str) -> object: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class BundleSent:
    """A transaction of ours at the end of bundles for blocks `first_block` … `last_block`."""

    tx_hash: str
    nonce: int
    first_block: int
    last_block: int
    bundle_hash: str
    replacement_uuids: tuple[str, ...]
    # False when no request was acknowledged but one failed in transit (the relay may hold it).
    acknowledged: bool = True


def bundle_uuid(key: str, block_number: int) -> str:
    """The replacement UUID of `key`'s bundle for `block_number` (stable across restarts)."""
    return str(uuid.uuid5(_UUID_NAMESPACE, f"{key}@{block_number}"))


class BundleSender:
    """Sends signed transactions as bundles for the next `blocks_ahead` blocks."""

    def __init__(
        self,
        *,
        relay: BundleRelay,
        head_block: Callable[[], int | None],
        blocks_ahead: int = 1,
        chain_head: Callable[[], Awaitable[int]] | None = None,
    ) -> None:
        if blocks_ahead < 1:
            raise ValueError(f"blocks_ahead must be >= 1, got {blocks_ahead}")
        self._relay = relay
        self._head_block = head_block
        self._chain_head = chain_head
        self.blocks_ahead = blocks_ahead

    def last_target_block(self) -> int | None:
        """The last block a bundle sent now would target (None before the first head): the
        least deadline a plan sent in it may carry."""
        head = self._head_block()
        return None if head is None else head + self.blocks_ahead

    async def send(
        self,
        signed: SignedTx,
        *,
        key: str,
        lead: Sequence[str] = (),
        deadline_block: int | None = None,
    ) -> BundleSent:
        """Send `lead` (signed raw transactions, 0x hex) followed by `signed` as one bundle per
        target block, none past `deadline_block` (the plan's: it reverts in any later block);
        see the module docstring for what a failure means."""
        head = self._head_block()
        if head is None:
            raise RejectedError("no head block yet: a bundle needs a block to target")
        try:
            return await self._send_after(
                head, signed, key=key, lead=lead, deadline_block=deadline_block
            )
        except OmniarbError:
            if self._chain_head is None:
                raise
            newest = await self._chain_head()
            if newest <= head:
                raise
            log.info("bundle of %s: the chain is at %d, not %d; sent again", key, newest, head)
            return await self._send_after(
                newest, signed, key=key, lead=lead, deadline_block=deadline_block
            )

    async def _send_after(
        self,
        head: int,
        signed: SignedTx,
        *,
        key: str,
        lead: Sequence[str],
        deadline_block: int | None,
    ) -> BundleSent:
        """One bundle per block after `head` up to the deadline, sent concurrently."""
        last = head + self.blocks_ahead
        if deadline_block is not None:
            last = min(last, deadline_block)
        blocks = range(head + 1, last + 1)
        if not blocks:
            raise RejectedError(
                f"the trade's deadline block {deadline_block} is not after the head {head}"
            )
        bundles = [
            Bundle(
                txs=(*lead, signed.raw_hex),
                block_number=block,
                replacement_uuid=bundle_uuid(key, block),
            )
            for block in blocks
        ]
        answers = await asyncio.gather(
            *(self._relay.send_bundle(b) for b in bundles), return_exceptions=True
        )
        accepted = [a for a in answers if isinstance(a, str)]
        errors = [a for a in answers if isinstance(a, BaseException)]
        for error in errors:
            if not isinstance(error, Exception):
                raise error  # a cancellation, not a relay's answer
        in_transit = [e for e in errors if isinstance(e, RetryableError)]
        if not accepted and not in_transit:
            first = errors[0]
            if isinstance(first, OmniarbError):
                raise first
            raise RejectedError(f"the relay refused the bundle of {signed.tx_hash}: {first}")
        if errors:
            log.warning(
                "bundle of %s: %d of %d target blocks refused (%s)",
                signed.tx_hash,
                len(errors),
                len(bundles),
                errors[0],
            )
        return BundleSent(
            tx_hash=signed.tx_hash,
            nonce=signed.nonce,
            first_block=blocks[0],
            last_block=blocks[-1],
            bundle_hash=bundles[0].bundle_hash,
            replacement_uuids=tuple(b.replacement_uuid or "" for b in bundles),
            acknowledged=bool(accepted),
        )

    async def cancel(self, sent: BundleSent) -> None:
        """Withdraw every bundle of `sent` the relay has not included yet (best effort: a
        bundle already in a block stays there, and one the relay no longer holds is no
        error). Once our transaction has landed, its bundles for the later blocks are stale:
        they could only be dropped, after the relay simulated them."""
        answers = await asyncio.gather(
            *(self._relay.cancel_bundle(u) for u in sent.replacement_uuids),
            return_exceptions=True,
        )
        for answer in answers:
            if isinstance(answer, BaseException) and not isinstance(answer, OmniarbError):
                raise answer

    async def land(
        self,
        rpc: RpcClient,
        sent: BundleSent,
        *,
        poll_interval_s: float = 0.05,
        timeout_s: float = 120.0,
    ) -> Landing:
        """Our transaction's receipt once a block includes it; no receipt once the chain's head
        is past `sent.last_block` without it (asked again after the head moved past, so a
        receipt of the last target block is never missed)."""
        async with asyncio.timeout(timeout_s):
            while True:
                head = int(await rpc.call("eth_blockNumber"), 16)
                answer = await rpc.call("eth_getTransactionReceipt", sent.tx_hash)
                if answer is not None:
                    return Landing(receipt=TxReceipt.from_rpc(answer), cancelled=False)
                if head >= sent.last_block:
                    log.info(
                        "bundle %s (tx %s) not included in blocks %d-%d",
                        sent.bundle_hash,
                        sent.tx_hash,
                        sent.first_block,
                        sent.last_block,
                    )
                    return Landing(receipt=None, cancelled=False)
                await asyncio.sleep(poll_interval_s)

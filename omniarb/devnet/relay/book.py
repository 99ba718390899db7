"""The relay's bundle book: bundles by target block, replaced and cancelled the way relays do.

A bundle carrying a `replacementUuid` replaces the earlier bundle of the same searcher (the
address of its signature), uuid and target block; so one uuid sent for several blocks (one
request per block) keeps one bundle per block, and `eth_cancelBundle` with that uuid removes
them all. Bundles for blocks already built leave the book when their block is built.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from omniarb.devnet.relay.requests import SendBundleRequest
from omniarb.execute.bundle_requests import Bundle

__all__ = ["BookedBundle", "BundleBook", "bundle_hash"]


def bundle_hash(request_txs: tuple[str, ...]) -> str:
    """keccak256 of the transactions' hashes in order (the hash every relay returns)."""
    return Bundle(txs=request_txs, block_number=1).bundle_hash


@dataclass(frozen=True, slots=True, kw_only=True)
class BookedBundle:
    """A bundle accepted into the book; `sequence` orders equal bids by arrival."""

    request: SendBundleRequest
    searcher: str
    bundle_hash: str
    sequence: int


class BundleBook:
    """Bundles waiting for their block (no I/O; the server and the builder share it)."""

    def __init__(self) -> None:
        self._by_block: dict[int, dict[str, BookedBundle]] = {}
        self._sequence = itertools.count()

    def add(self, request: SendBundleRequest, *, searcher: str) -> BookedBundle:
        booked = BookedBundle(
            request=request,
            searcher=searcher,
            bundle_hash=bundle_hash(tuple(t.raw for t in request.txs)),
            sequence=next(self._sequence),
        )
        slot = self._by_block.setdefault(request.block_number, {})
        if request.replacement_uuid is not None:
            key = f"uuid:{searcher}:{request.replacement_uuid}"
        else:
            key = f"hash:{booked.bundle_hash}"
        slot[key] = booked
        return booked

    def cancel(self, replacement_uuid: str, *, searcher: str) -> list[str]:
        """Remove the searcher's bundles with this uuid, every block; their hashes."""
        key = f"uuid:{searcher}:{replacement_uuid}"
        removed = [slot.pop(key) for slot in self._by_block.values() if key in slot]
        return [b.bundle_hash for b in removed]

    def for_block(self, block_number: int) -> list[BookedBundle]:
        return list(self._by_block.get(block_number, {}).values())

    def close_through(self, block_number: int) -> list[BookedBundle]:
        """Forget every bundle targeting `block_number` or earlier; the ones forgotten."""
        gone = [n for n in self._by_block if n <= block_number]
        return [b for n in gone for b in self._by_block.pop(n).values()]

    def __len__(self) -> int:
        return sum(len(slot) for slot in self._by_block.values())

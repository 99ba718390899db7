"""The relay as its chain's block builder: one `build_next()` builds and mines one block.

Each block: bundles for its number (within their timestamp window) are simulated alone at the
top of the block and ranked by what they pay the coinbase (priority fees plus direct transfers),
then placed greedily, each simulated again on top of the ones already placed; a bundle with an
invalid transaction (bad nonce, fee cap under the base fee), a revert not allowed by
`revertingTxHashes`, or a transaction the public pool holds a replacement for (same sender and
nonce, another hash) is dropped whole. The public pool follows in fee order. A bundle
transaction also waiting in the public pool (the victim of a backrun) is placed once, at the
bundle's position.

Mining an exact order on anvil 1.7.1 (started with `--order fifo`, its mining switched off):
take the pool out (`anvil_dropTransaction`), send the raw transactions back in the wanted order,
`evm_mine` with the block's timestamp. The mined block is compared with the plan; a difference
(a transaction that slipped in between) is counted and logged.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from omniarb.chains.rpc import RpcClient
from omniarb.devnet.relay.book import BookedBundle, BundleBook
from omniarb.devnet.relay.pool import drain_pool, fee_order
from omniarb.devnet.relay.simulate import BlockEnv, BundleSimulation, Simulator
from omniarb.devnet.relay.stats import RelayCounters
from omniarb.devnet.relay.txs import SignedTx
from omniarb.errors import NODE_ERRORS

__all__ = ["BlockBuilder", "BuiltBlock", "next_block_env"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class BuiltBlock:
    """What one `build_next()` mined: bundles in block order, and the block's tx hashes."""

    number: int
    included: tuple[str, ...]
    dropped: dict[str, str]
    tx_hashes: tuple[str, ...]


async def next_block_env(rpc: RpcClient, *, min_interval_s: int = 1) -> BlockEnv:
    """The block after the head: its number, timestamp (now, or one second after the head's),
    base fee (`eth_feeHistory`'s next-block value) and coinbase."""
    head, history, coinbase = await rpc.batch(
        [
            ("eth_getBlockByNumber", ["latest", False]),
            ("eth_feeHistory", ["0x1", "latest", []]),
            ("eth_coinbase", []),
        ]
    )
    number = int(head["number"], 16) + 1
    timestamp = max(int(head["timestamp"], 16) + min_interval_s, int(time.time()))
    return BlockEnv(
        number=number,
        timestamp=timestamp,
        base_fee_wei=int(history["baseFeePerGas"][-1], 16),
        coinbase=coinbase,
    )


def _replaced(bundle: BookedBundle, public: dict[tuple[str, int], str]) -> str | None:
    for tx in bundle.request.txs:
        pooled = public.get((tx.sender, tx.nonce))
        if pooled is not None and pooled != tx.tx_hash:
            return f"{tx.tx_hash} was replaced in the public pool by {pooled}"
    return None


def _outside_window(bundle: BookedBundle, timestamp: int) -> str | None:
    request = bundle.request
    if request.min_timestamp is not None and timestamp < request.min_timestamp:
        return f"block timestamp {timestamp} before minTimestamp {request.min_timestamp}"
    if request.max_timestamp is not None and timestamp > request.max_timestamp:
        return f"block timestamp {timestamp} after maxTimestamp {request.max_timestamp}"
    return None


class BlockBuilder:
    """Builds the chain's blocks from the bundle book and the public pool."""

    def __init__(
        self, rpc: RpcClient, book: BundleBook, counters: RelayCounters, *, chain_id: int
    ) -> None:
        self._rpc = rpc
        self._book = book
        self._counters = counters
        self.simulator = Simulator(rpc, chain_id=chain_id)
        # The block being (or last) built: bundles may no longer target it or anything before.
        self.sealing = 0

    def _drop(self, bundle: BookedBundle, kind: str, detail: str, dropped: dict[str, str]) -> None:
        log.info("bundle %s dropped (%s): %s", bundle.bundle_hash, kind, detail)
        self._counters.drop(bundle.bundle_hash, kind)
        dropped[bundle.bundle_hash] = f"{kind}: {detail}"

    async def _select(
        self, env: BlockEnv, public: list[SignedTx], dropped: dict[str, str]
    ) -> list[BookedBundle]:
        pooled = {(t.sender, t.nonce): t.tx_hash for t in public}
        candidates: list[tuple[int, BookedBundle]] = []
        for bundle in self._book.for_block(env.number):
            reason = _outside_window(bundle, env.timestamp)
            if reason is not None:
                self._drop(bundle, "timestamp", reason, dropped)
                continue
            replaced = _replaced(bundle, pooled)
            if replaced is not None:
                self._drop(bundle, "replaced", replaced, dropped)
                continue
            alone = await self.simulator.simulate(env, bundle.request.txs)
            self._counters.simulated += 1
            failure = alone.failure(bundle.request.reverting_tx_hashes)
            if failure is not None:
                self._drop(bundle, _kind(alone), failure, dropped)
                continue
            candidates.append((alone.coinbase_diff_wei, bundle))
        # Most paid to the coinbase first; equal bids by arrival.
        candidates.sort(key=lambda c: (-c[0], c[1].sequence))
        placed: list[BookedBundle] = []
        prefix: list[SignedTx] = []
        for _, bundle in candidates:
            if {t.tx_hash for t in prefix} & {t.tx_hash for t in bundle.request.txs}:
                self._drop(bundle, "conflict", "shares a transaction with a better bundle", dropped)
                continue
            if placed:
                after = await self.simulator.simulate(env, bundle.request.txs, prefix=prefix)
                self._counters.simulated += 1
                failure = after.failure(bundle.request.reverting_tx_hashes)
                if failure is not None:
                    self._drop(bundle, "conflict", f"after better bundles: {failure}", dropped)
                    continue
            placed.append(bundle)
            prefix += bundle.request.txs
        return placed

    async def _send_in_order(
        self, placed: list[BookedBundle], public: list[SignedTx], dropped: dict[str, str]
    ) -> tuple[list[BookedBundle], list[str]]:
        sent: list[BookedBundle] = []
        planned: list[str] = []
        for bundle in placed:
            accepted: list[str] = []
            for tx in bundle.request.txs:
                try:
                    await self._rpc.call("eth_sendRawTransaction", tx.raw)
                except NODE_ERRORS as exc:
                    # Atomic: take back what of the bundle the node already holds.
                    for tx_hash in accepted:
                        await self._rpc.call("anvil_dropTransaction", tx_hash)
                    self._drop(bundle, "refused", f"the node refused {tx.tx_hash}: {exc}", dropped)
                    break
                accepted.append(tx.tx_hash)
            else:
                sent.append(bundle)
                planned += accepted
        for tx in public:
            try:
                await self._rpc.call("eth_sendRawTransaction", tx.raw)
            except NODE_ERRORS as exc:
                log.debug("public transaction %s not re-sent: %s", tx.tx_hash, exc)
        return sent, planned

    async def build_next(self) -> BuiltBlock:
        """Build and mine the block after the head; bundles for it leave the book."""
        env = await next_block_env(self._rpc)
        self.sealing = env.number
        drained = await drain_pool(self._rpc)
        dropped: dict[str, str] = {}
        placed = await self._select(env, drained, dropped)
        in_bundles = {t.tx_hash for b in placed for t in b.request.txs}
        taken = {(t.sender, t.nonce) for b in placed for t in b.request.txs}
        public = fee_order(
            (
                t
                for t in drained
                if t.tx_hash not in in_bundles and (t.sender, t.nonce) not in taken
            ),
            env.base_fee_wei,
        )
        sent, planned = await self._send_in_order(placed, public, dropped)
        await self._rpc.call("evm_mine", env.timestamp)
        block = await self._rpc.call("eth_getBlockByNumber", hex(env.number), False)
        mined = tuple(block["transactions"]) if block else ()
        if list(mined[: len(planned)]) != planned:
            self._counters.order_violations += 1
            log.error("block %d does not start with the planned bundles", env.number)
        for bundle in sent:
            self._counters.include(bundle.bundle_hash)
        included = {b.bundle_hash for b in sent}
        for bundle in self._book.close_through(env.number):
            if bundle.bundle_hash not in included and bundle.bundle_hash not in dropped:
                passed = f"block {bundle.request.block_number} passed"
                self._drop(bundle, "expired", passed, dropped)
        self._counters.blocks_built += 1
        self._counters.public_txs_included += max(len(mined) - len(planned), 0)
        return BuiltBlock(
            number=env.number,
            included=tuple(b.bundle_hash for b in sent),
            dropped=dropped,
            tx_hashes=mined,
        )


def _kind(simulation: BundleSimulation) -> str:
    """The counter label of a failed simulation: an invalid transaction or a revert."""
    return "invalid" if any(o.invalid for o in simulation.outcomes) else "reverted"

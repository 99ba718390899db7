"""The node's public transaction pool as the block builder reads, orders and empties it.

anvil (`--order fifo`) mines its pool in arrival order, so the builder takes every pending
transaction out (`anvil_dropTransaction`, by hash: a transaction arriving meanwhile stays and
is taken on the next pass) and sends them back, raw, in the order it wants. One exception,
anvil 1.7.1's: dropping a transaction also drops the same sender's later nonces it holds, so one
that arrives between the pool's read and the drop is gone unseen; its sender sees it neither
pooled nor mined and must broadcast it again, as a wallet would (the market does:
`omniarb.devnet.market._chain`). The public ones go
in fee order: the sender whose next transaction tips most goes first, each sender's
transactions in nonce order.
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Iterable
from typing import Any

from omniarb.chains.rpc import RpcClient
from omniarb.devnet.relay.txs import BadTransactionError, SignedTx, decode_raw_tx

__all__ = ["drain_pool", "fee_order"]

log = logging.getLogger(__name__)

_DRAIN_PASSES = 20


def _pool_hashes(content: dict[str, Any]) -> list[str]:
    hashes = []
    for section in ("pending", "queued"):
        for by_nonce in (content.get(section) or {}).values():
            hashes += [tx["hash"] for tx in by_nonce.values() if isinstance(tx, dict)]
    return hashes


async def drain_pool(rpc: RpcClient) -> list[SignedTx]:
    """Take every transaction out of the node's pool; the ones that decode, raw and signed."""
    taken: dict[str, SignedTx] = {}
    for _ in range(_DRAIN_PASSES):
        hashes = [h for h in _pool_hashes(await rpc.call("txpool_content")) if h not in taken]
        if not hashes:
            return list(taken.values())
        raws = await rpc.batch([("eth_getRawTransactionByHash", [h]) for h in hashes])
        await rpc.batch([("anvil_dropTransaction", [h]) for h in hashes])
        for tx_hash, raw in zip(hashes, raws, strict=True):
            try:
                taken[tx_hash] = decode_raw_tx(raw)
            except BadTransactionError as exc:
                log.warning("pool transaction %s dropped: %s", tx_hash, exc)
    log.warning("the pool kept filling for %d passes; building with what was taken", _DRAIN_PASSES)
    return list(taken.values())


def fee_order(txs: Iterable[SignedTx], base_fee_wei: int) -> list[SignedTx]:
    """Highest tip first across senders, nonce order within each sender."""
    by_sender: dict[str, list[SignedTx]] = {}
    for tx in txs:
        by_sender.setdefault(tx.sender, []).append(tx)
    queues = {s: sorted(q, key=lambda t: t.nonce) for s, q in by_sender.items()}
    heap = [(-q[0].tip_wei(base_fee_wei), q[0].tx_hash, s, 0) for s, q in queues.items()]
    heapq.heapify(heap)
    ordered = []
    while heap:
        _, _, sender, index = heapq.heappop(heap)
        queue = queues[sender]
        ordered.append(queue[index])
        if index + 1 < len(queue):
            nxt = queue[index + 1]
            heapq.heappush(heap, (-nxt.tip_wei(base_fee_wei), nxt.tx_hash, sender, index + 1))
    return ordered

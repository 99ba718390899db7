"""Was a trade's prediction overtaken? Which transactions moved its pools before it ran.

A prediction is made on the state at the end of block `priced_at`. It holds for the trade only
if no transaction that ran after that block and before the trade changed a pool of the route:
an earlier transaction in the trade's own block, or any transaction of a block in between when
the trade lands late. Each pool kind announces every change of what a swap reads with a log:
- Uniswap V2 (v2-core `UniswapV2Pair._update`): `Sync(reserve0, reserve1)` after every swap,
  mint, burn and `sync`;
- Uniswap V3 (v3-core `UniswapV3Pool`): `Swap` (price, tick, liquidity), `Mint` and `Burn`
  (tick and active liquidity); `Initialize` only precedes any trade, and `Flash`, `Collect`
  and the protocol-fee events leave price and liquidity alone.
- Uniswap V4 (v4-core `PoolManager`): `Swap`, `ModifyLiquidity` and `ProtocolFeeUpdated`, logged
  by the PoolManager, which holds every pool: topic 1 is the pool's id, whose leading 20 bytes
  are the pool's name (`omniarb.dex.uniswap_v4.pool_key`).
- Balancer V2 (v2-vault `Vault`, the pools): the Vault's `Swap`, `PoolBalanceChanged` and
  `PoolBalanceManaged`, with the pool's id in topic 1 (its leading 20 bytes are the pool's
  address, `PoolRegistry._toPoolId`), and the pool's own settings events (fee, amplification,
  pause, rates). Every pair of a pool of more tokens is the one pool here.
A log is a pool's when the pool emitted it, or when a singleton holding many pools emitted it
with the pool's id in topic 1 starting with the pool's 20-byte name. A pool of a kind not
listed here counts as touched by any log it emits, which can only over-report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from omniarb.dex.registry import ADAPTERS
from omniarb.types import Route

__all__ = ["STATE_TOPICS", "Touch", "earlier_touches", "log_pool", "touch_topics"]

# By pool kind: the events its adapter names as changing what a swap reads.
STATE_TOPICS: Mapping[str, frozenset[str]] = {
    kind: adapter.state_topics for kind, adapter in ADAPTERS.items()
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Touch:
    """One log of another transaction that changed a route pool before the trade ran."""

    tx_hash: str
    block_number: int
    transaction_index: int
    pool: str
    topic: str


def touch_topics(route: Route) -> dict[str, frozenset[str] | None]:
    """Per route pool (lower-case address): the topics that change its state; None = any log."""
    topics: dict[str, frozenset[str] | None] = {}
    for hop in route.hops:
        topics[hop.pool.lower()] = STATE_TOPICS.get(hop.kind)
    return topics


def log_pool(address: str, entry_topics: Sequence[str], pools: Mapping[str, object]) -> str | None:
    """The pool of `pools` (lower-case names) a log is of: its emitter, or the pool a
    singleton's log names by the leading 20 bytes of the id in topic 1; None for neither."""
    emitter = str(address).lower()
    if emitter in pools:
        return emitter
    if len(entry_topics) > 1:
        named = "0x" + str(entry_topics[1]).lower().removeprefix("0x")[:40]
        if named in pools:
            return named
    return None


def earlier_touches(
    logs: Iterable[Mapping[str, Any]],
    *,
    topics: Mapping[str, frozenset[str] | None],
    block_number: int,
    transaction_index: int,
    priced_at: int,
    premise: frozenset[str] = frozenset(),
) -> tuple[Touch, ...]:
    """The logs (as `eth_getLogs` returns them) that touched a pool of `topics` after block
    `priced_at` and before the transaction at (`block_number`, `transaction_index`), except
    those of `premise`: transactions (lower-case hashes) the prediction already applied, such
    as the pending swap a backrun follows."""
    found = []
    for entry in logs:
        if entry.get("removed") or str(entry["transactionHash"]).lower() in premise:
            continue
        entry_topics: Sequence[str] = entry["topics"]
        pool = log_pool(entry["address"], entry_topics, topics)
        if pool is None:
            continue
        topic = str(entry_topics[0]).lower() if entry_topics else ""
        wanted = topics[pool]
        if wanted is not None and topic not in wanted:
            continue
        block, index = int(entry["blockNumber"], 16), int(entry["transactionIndex"], 16)
        if block <= priced_at or (block, index) >= (block_number, transaction_index):
            continue
        found.append(
            Touch(
                tx_hash=str(entry["transactionHash"]),
                block_number=block,
                transaction_index=index,
                pool=pool,
                topic=topic,
            )
        )
    return tuple(found)

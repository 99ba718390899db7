"""Balancer V2 logs applied to pool states, as a pure function.

The Vault logs every pool's swaps and joins and exits, naming the pool by its id in topic 1,
whose leading 20 bytes are the pool's address (`PoolRegistry._toPoolId`); a pool logs its own
settings (fee, amplification, pause, rates) from its address; a factory logs each pool it makes
(`PoolCreated`). States are keyed by lowercase pool address here: the pairs a pool shows the
detector are made from them by the book.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from omniarb.chain_events import ChainLog
from omniarb.dex.balancer.base_pool import BalancerPoolState
from omniarb.dex.balancer.errors import BalancerRevertError
from omniarb.dex.balancer.events import (
    POOL_BALANCE_CHANGED_TOPIC,
    POOL_CREATED_TOPIC,
    REREAD_TOPICS,
    SWAP_TOPIC,
    apply_pool_balance_changed,
    apply_swap,
)

__all__ = ["AppliedBalancerLogs", "apply_balancer_logs", "log_pool_address"]


@dataclass(slots=True)
class AppliedBalancerLogs:
    """What a run of logs did: new states by lowercase pool address, the pools a known factory
    made (lowercase addresses, in log order), the pools to re-read (a log says their settings
    changed, or could not be applied to our state) and the logs of no pool we hold."""

    changed: dict[str, BalancerPoolState] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)
    reread: set[str] = field(default_factory=set)
    ignored: int = 0


def log_pool_address(log: ChainLog, vaults: frozenset[str]) -> str | None:
    """The lowercase address of the pool a log is about: from the pool id in topic 1 for a
    Vault's log, else its emitter; None for a Vault log that names no pool."""
    emitter = log.address.lower()
    if emitter in vaults:
        if len(log.topics) < 2:
            return None
        return "0x" + log.topics[1].lower().removeprefix("0x")[:40]
    return emitter


def apply_balancer_logs(
    pools: Mapping[str, BalancerPoolState],
    logs: Iterable[ChainLog],
    *,
    vaults: frozenset[str],
    factories: frozenset[str],
) -> AppliedBalancerLogs:
    """Apply `logs` in (block, log index) order to `pools` (by lowercase address), without
    touching `pools`.

    `vaults` and `factories` are lowercase addresses. A `Swap` or `PoolBalanceChanged` of the
    pool's own Vault moves its balances exactly; a log of `REREAD_TOPICS` sends the pool to be
    re-read, and so does a log that cannot be applied (our state is wrong); `PoolCreated` of a
    known factory announces a pool. Removed logs are skipped: reorgs are repaired from block
    hashes.
    """
    result = AppliedBalancerLogs()
    for log in sorted(logs, key=lambda entry: (entry.block_number, entry.log_index)):
        if log.removed or not log.topics:
            continue
        topic = log.topics[0]
        if topic == POOL_CREATED_TOPIC:
            if log.address.lower() in factories and len(log.topics) == 2:
                created = "0x" + log.topics[1][-40:].lower()
                if created not in pools and created not in result.created:
                    result.created.append(created)
            else:
                result.ignored += 1
            continue
        key = log_pool_address(log, vaults)
        state = None if key is None else result.changed.get(key) or pools.get(key)
        if key is None or state is None or key in result.reread:
            result.ignored += 1
            continue
        if log.address.lower() in vaults and log.address.lower() != state.vault.lower():
            result.ignored += 1  # another Vault's pool with the same leading bytes
            continue
        if topic in REREAD_TOPICS:
            result.reread.add(key)
            result.changed.pop(key, None)
            continue
        try:
            if topic == SWAP_TOPIC:
                result.changed[key] = apply_swap(state, log)
            elif topic == POOL_BALANCE_CHANGED_TOPIC:
                result.changed[key] = apply_pool_balance_changed(state, log)
            else:
                result.ignored += 1
        except (BalancerRevertError, ValueError):
            result.reread.add(key)
            result.changed.pop(key, None)
    return result

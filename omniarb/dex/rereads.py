"""The last step of a tick-based book's `changes`: the pools the logs could not be applied to,
and those a reorg left stale, re-read at the head and merged into what the logs changed.

One place for what the Uniswap V3, Algebra and Uniswap V4 books do alike; each book says how
its pools are read (`read`) and names itself in the log line (`noun`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from omniarb.dex.base import PoolChanges, PoolState

__all__ = ["RereadChanges", "reread_into"]

log = logging.getLogger(__name__)

StateT = TypeVar("StateT", bound=PoolState)


@dataclass(frozen=True, slots=True)
class RereadChanges(Generic[StateT]):
    """The step's changes and how many pools were re-read for them (a book counts those)."""

    changes: PoolChanges[StateT]
    reread: int


async def reread_into(
    changed: dict[str, StateT],
    *,
    stale: Sequence[str],
    broken: Sequence[str],
    created: Sequence[str],
    read: Callable[[list[str]], Awaitable[Mapping[str, StateT | None]]],
    chain_id: int,
    block_number: int,
    noun: str,
) -> RereadChanges[StateT]:
    """`changed` (the logs' result, updated in place) with the `stale` and `broken` pools
    re-read through `read`; a pool the read finds gone (created in a dropped block and not
    again) is removed. A broken pool means our state was wrong: logged as an error."""
    keys = [*stale, *(k for k in broken if k not in stale)]
    removed: list[str] = []
    fresh: Mapping[str, StateT | None] = {}
    if keys:
        fresh = await read(keys)
        for key, state in fresh.items():
            if state is None:
                removed.append(key)
                changed.pop(key, None)
            else:
                changed[key] = state
        if broken:
            log.error(
                "chain %d: %s logs could not be applied to %d pools at block %d; re-read",
                chain_id,
                noun,
                len(broken),
                block_number,
            )
    return RereadChanges(
        changes=PoolChanges(changed=changed, removed=tuple(removed), created=tuple(created)),
        reread=len(fresh),
    )

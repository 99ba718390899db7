"""`merge_updates`: two `PoolUpdate`s folded into one, as the engine does with updates that
queued up and the combined state stage with its stages' updates of one event."""

from __future__ import annotations

from _update_values import OTHER_PAIR, PAIR, POOL, pair, pool, update

from omniarb.state import merge_updates


def test_the_newer_block_and_every_pool_at_its_latest_state() -> None:
    older = update(5, (pair(PAIR, 1, 5), pool(POOL, 2**96, 5)), received_ns=100)
    newer = update(6, (pair(PAIR, 2, 6), pair(OTHER_PAIR, 3, 6)), received_ns=200)
    merged = merge_updates(older, newer)
    assert (merged.block_number, merged.block_hash, merged.base_fee_wei) == (
        6,
        f"0x{6:064x}",
        6 * 10**9,
    )
    assert merged.pools == (pair(PAIR, 2, 6), pool(POOL, 2**96, 5), pair(OTHER_PAIR, 3, 6))
    assert merged.received_ns == 100  # latency counts from the first block


def test_the_later_update_wins_even_with_a_lower_block_number() -> None:
    """After a reorg to a shorter branch the re-read state carries the new, lower head."""
    orphaned = update(12, (pool(POOL, 2**96, 12),))
    reread = update(11, (pool(POOL.lower(), 2 * 2**96, 11),))
    merged = merge_updates(orphaned, reread)
    assert merged.pools == (pool(POOL.lower(), 2 * 2**96, 11),)
    assert merged.block_number == 11


def test_new_pools_of_both_once_each_in_order() -> None:
    older = update(1, (pair(PAIR, 1, 1),), new=(PAIR, POOL))
    newer = update(2, (pair(OTHER_PAIR, 1, 2),), new=(POOL, OTHER_PAIR))
    assert merge_updates(older, newer).new_pools == (PAIR, POOL, OTHER_PAIR)


def arrival(older_ns: int, newer_ns: int) -> int:
    return merge_updates(
        update(1, (), received_ns=older_ns), update(2, (), received_ns=newer_ns)
    ).received_ns


def test_the_earliest_known_arrival_time() -> None:
    assert arrival(0, 7) == 7  # 0: not known
    assert arrival(9, 7) == 7
    assert arrival(7, 9) == 7
    assert arrival(0, 0) == 0

"""`PoolStateSync` on plain values: which stage reads a log, the one subscription both stages
share, and how what both stages make of one event becomes one update. (The stages at work on a
real chain: tests/integration/state/test_pool_sync_live.py.)"""

from __future__ import annotations

import pytest
from _syncs import V2Sync, V3Sync, v2_sync, v3_sync
from _update_values import PAIR, POOL, pair, pool, update

from omniarb.chain_events import ChainLog
from omniarb.chains.rpc import RpcClient
from omniarb.dex.pancakeswap_v3 import PANCAKESWAP_V3_FLAVOUR
from omniarb.dex.uniswap_v2.discovery import V2Discovery
from omniarb.dex.uniswap_v2.logs import PAIR_CREATED_TOPIC, SYNC_TOPIC
from omniarb.dex.uniswap_v3.discovery import V3Discovery
from omniarb.dex.uniswap_v3.logs import (
    BURN_TOPIC,
    INITIALIZE_TOPIC,
    MINT_TOPIC,
    POOL_CREATED_TOPIC,
    SWAP_TOPIC,
    V3_TOPICS,
)
from omniarb.state import PoolStateSync
from omniarb.state.pool_sync import merge_event_updates

V2_TOPICS = (SYNC_TOPIC, PAIR_CREATED_TOPIC)

UNUSED_URL = "http://127.0.0.1:9"  # never called: these tests make no request


def chain_log(*topics: str) -> ChainLog:
    return ChainLog(
        chain_id=1,
        address=PAIR.lower(),
        topics=topics,
        data="0x",
        block_number=7,
        block_hash="0x" + "07" * 32,
        log_index=0,
        transaction_hash="0x" + "aa" * 32,
        removed=False,
        received_ns=1,
    )


def v2_stage(chain_id: int = 1) -> V2Sync:
    rpc = RpcClient(UNUSED_URL)
    return v2_sync(V2Discovery(rpc=rpc, chain_id=chain_id, factories={}))


def v3_stage(chain_id: int = 1) -> V3Sync:
    rpc = RpcClient(UNUSED_URL)
    return v3_sync(V3Discovery(rpc=rpc, chain_id=chain_id, factories={}))


def pancake_stage(chain_id: int = 1) -> V3Sync:
    rpc = RpcClient(UNUSED_URL)
    discovery = V3Discovery(
        rpc=rpc, chain_id=chain_id, factories={}, flavour=PANCAKESWAP_V3_FLAVOUR
    )
    return v3_sync(discovery)


def log_kind(entry: ChainLog) -> str | None:
    """The kind whose stage reads `entry` in a sync of both kinds (None: neither)."""
    stages = PoolStateSync([v2_stage(), v3_stage()]).stages_of(entry)
    assert len(stages) <= 1
    return stages[0].book.kind if stages else None


@pytest.mark.parametrize("topic", [SYNC_TOPIC, PAIR_CREATED_TOPIC])
def test_v2_events_go_to_the_v2_stage(topic: str) -> None:
    assert log_kind(chain_log(topic, "0x" + "00" * 32)) == "uniswap-v2"
    assert log_kind(chain_log(topic.upper().replace("0X", "0x"))) == "uniswap-v2"


@pytest.mark.parametrize(
    "topic", [SWAP_TOPIC, MINT_TOPIC, BURN_TOPIC, INITIALIZE_TOPIC, POOL_CREATED_TOPIC]
)
def test_v3_events_go_to_the_v3_stage(topic: str) -> None:
    assert log_kind(chain_log(topic)) == "uniswap-v3"


def test_a_topic_kinds_share_goes_to_each_of_them() -> None:
    sync = PoolStateSync([v2_stage(), v3_stage(), pancake_stage()])

    def kinds(topic: str) -> set[str]:
        return {stage.book.kind for stage in sync.stages_of(chain_log(topic))}

    for shared in (MINT_TOPIC, BURN_TOPIC, INITIALIZE_TOPIC, POOL_CREATED_TOPIC):
        assert kinds(shared) == {"uniswap-v3", "pancakeswap-v3"}
    assert kinds(SWAP_TOPIC) == {"uniswap-v3"}
    assert kinds(PANCAKESWAP_V3_FLAVOUR.swap_topic) == {"pancakeswap-v3"}
    (subscription,) = sync.log_filters()
    (topics,) = subscription.topics
    assert len(topics) == len(set(topics)) == len(V2_TOPICS) + len(V3_TOPICS) + 1


def test_other_logs_go_nowhere() -> None:
    assert log_kind(chain_log()) is None
    # An ERC-20 Transfer: topic 1 is never looked at, even when it equals a stage's topic.
    transfer = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
    assert log_kind(chain_log(transfer, SYNC_TOPIC)) is None


def test_one_subscription_for_both_kinds() -> None:
    (both,) = PoolStateSync([v2_stage(), v3_stage()]).log_filters()
    assert both.addresses == ()
    assert both.topics == ((*V2_TOPICS, *V3_TOPICS),)
    assert both.to_params() == {"topics": [[*V2_TOPICS, *V3_TOPICS]]}
    (v2_only,) = PoolStateSync([v2_stage()]).log_filters()
    assert v2_only.topics == (V2_TOPICS,)
    (v3_only,) = PoolStateSync([v3_stage()]).log_filters()
    assert v3_only.topics == (V3_TOPICS,)


def test_the_stages_must_exist_and_follow_one_chain() -> None:
    with pytest.raises(ValueError, match="needs at least one kind"):
        PoolStateSync([])
    with pytest.raises(ValueError, match="different chains"):
        PoolStateSync([v2_stage(1), v3_stage(10)])
    sync = PoolStateSync([v2_stage(137), v3_stage(137)])
    assert (sync.chain_id, sync.head, sync.pool_count, dict(sync.pools)) == (137, None, 0, {})


async def test_a_log_reaches_only_the_stage_that_reads_it() -> None:
    """The stages are not bootstrapped, so the one a log reaches says so by name."""
    sync = PoolStateSync([v2_stage(), v3_stage()])
    with pytest.raises(RuntimeError, match="BlockSync of pairs"):
        await sync.process(chain_log(SYNC_TOPIC))
    with pytest.raises(RuntimeError, match="BlockSync of V3 pools"):
        await sync.process(chain_log(SWAP_TOPIC))
    assert await sync.process(chain_log("0x" + "12" * 32)) == []
    # A topic two kinds share reaches both (the first to fail says so).
    shared = PoolStateSync([pancake_stage(), v3_stage()])
    with pytest.raises(ExceptionGroup) as raised:
        await shared.process(chain_log(MINT_TOPIC))
    names = sorted(str(exc) for exc in raised.value.exceptions)
    assert len(names) == 2, names
    assert "PancakeSwap V3 pools" in names[0]
    assert "V3 pools" in names[1]
    v3_only = PoolStateSync([v3_stage()])
    assert await v3_only.process(chain_log(SYNC_TOPIC)) == []
    assert (sync.counters.logs, sync.counters.ignored_logs) == (
        {"uniswap-v2": 1, "uniswap-v3": 1},
        1,
    )
    assert (v3_only.counters.logs, v3_only.counters.ignored_logs) == ({"uniswap-v3": 0}, 1)


def test_an_event_without_updates_makes_none() -> None:
    assert merge_event_updates([]) == []
    assert merge_event_updates([[], []]) == []


def test_one_stage_update_passes_through() -> None:
    only = update(8, (pair(PAIR, 1, 8),), received_ns=5)
    assert merge_event_updates([[only], []]) == [only]


def test_both_stages_updates_of_one_block_become_one() -> None:
    v2 = update(8, (pair(PAIR, 1, 8),), new=(PAIR,), received_ns=5)
    v3 = update(8, (pool(POOL, 2**96, 8),), new=(POOL,), received_ns=5)
    (merged,) = merge_event_updates([[v2], [v3]])
    assert merged.block_number == 8
    assert merged.pools == (pair(PAIR, 1, 8), pool(POOL, 2**96, 8))
    assert merged.new_pools == (PAIR, POOL)
    assert merged.received_ns == 5


def test_stages_at_different_heads_merge_onto_the_newest() -> None:
    """After `StreamResumed` each stage catches up to the head it read, which may differ."""
    v2 = update(9, (pair(PAIR, 1, 9),), received_ns=8)
    v3 = update(8, (pool(POOL, 2**96, 8),), received_ns=6)
    (merged,) = merge_event_updates([[v2], [v3]])
    assert (merged.block_number, merged.block_hash, merged.base_fee_wei) == (
        9,
        f"0x{9:064x}",
        9 * 10**9,
    )
    assert set(merged.pools) == {pair(PAIR, 1, 9), pool(POOL, 2**96, 8)}
    assert merged.received_ns == 6


def test_one_stages_several_updates_fold_in_its_order() -> None:
    """A late log's replay and then the head: the stage's later update wins for a pool."""
    replay = update(9, (pair(PAIR, 1, 8),))
    head = update(9, (pair(PAIR, 2, 9),))
    (merged,) = merge_event_updates([[replay, head], []])
    assert merged.pools == (pair(PAIR, 2, 9),)

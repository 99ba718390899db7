"""Balancer pools as the state stage keeps them: one pair view per two swap tokens, each with a
state key of its own and the pool's address; the Vault's and the pools' logs applied to the
pool (`apply_balancer_logs`): balances moved exactly, settings sent to be re-read, new pools
of known factories announced, other Vaults' and factories' logs passed over."""

from __future__ import annotations

from dataclasses import replace

from omniarb.chain_events import ChainLog
from omniarb.chains.abi import encode_args
from omniarb.dex.balancer import ComposableStablePoolState, WeightedPoolState
from omniarb.dex.balancer.events import (
    POOL_BALANCE_CHANGED_TOPIC,
    POOL_CREATED_TOPIC,
    SWAP_FEE_PERCENTAGE_CHANGED_TOPIC,
    SWAP_TOPIC,
)
from omniarb.dex.balancer.logs import apply_balancer_logs
from omniarb.dex.balancer.pair import StablePair, WeightedPair, pair_key, pair_views

ONE = 10**18
A = "0x1000000000000000000000000000000000000001"
B = "0x2000000000000000000000000000000000000002"
C = "0x3000000000000000000000000000000000000003"
STABLE_POOL = "0x2500000000000000000000000000000000000025"
WEIGHTED_POOL = "0x00000000000000000000000000000000000000Aa"
VAULT = "0x00000000000000000000000000000000000000bb"
OTHER_VAULT = "0x00000000000000000000000000000000000000cc"
FACTORY = "0x00000000000000000000000000000000000000dd"


def _pool_id(pool: str) -> str:
    return "0x" + pool[2:].lower() + "0002" + "00" * 9 + "07"


def stable() -> ComposableStablePoolState:
    return ComposableStablePoolState(
        chain_id=1,
        address=STABLE_POOL,
        dex="balancer-stable",
        vault=VAULT,
        pool_id=_pool_id(STABLE_POOL),
        tokens=(A, B, STABLE_POOL, C),
        balances=(10**12, 10**12, 2**111, 10**24),
        scaling_factors=(10**12 * ONE, 10**12 * ONE, ONE, ONE),
        swap_fee_percentage=10**14,
        block_number=7,
        amplification_parameter=200_000,
        bpt_index=2,
    )


def weighted() -> WeightedPoolState:
    return WeightedPoolState(
        chain_id=1,
        address=WEIGHTED_POOL,
        dex="balancer-weighted",
        vault=VAULT,
        pool_id=_pool_id(WEIGHTED_POOL),
        tokens=(A, B),
        balances=(100 * ONE, 300_000 * 10**6),
        scaling_factors=(ONE, 10**12 * ONE),
        swap_fee_percentage=3 * 10**15,
        block_number=7,
        normalized_weights=(8 * ONE // 10, 2 * ONE // 10),
    )


def _topic(address: str) -> str:
    return "0x" + "00" * 12 + address[2:].lower()


def _log(
    emitter: str, topics: tuple[str, ...], data: bytes = b"", *, block: int = 9, index: int = 0
) -> ChainLog:
    return ChainLog(
        chain_id=1,
        address=emitter.lower(),
        topics=topics,
        data="0x" + data.hex(),
        block_number=block,
        block_hash="0x" + "11" * 32,
        log_index=index,
        transaction_hash="0x" + "22" * 32,
        removed=False,
        received_ns=0,
    )


def _swap(
    pool: str, token_in: str, token_out: str, amounts: tuple[int, int], **at: int
) -> ChainLog:
    return _log(
        VAULT,
        (SWAP_TOPIC, _pool_id(pool), _topic(token_in), _topic(token_out)),
        encode_args(["uint256", "uint256"], list(amounts)),
        **at,
    )


def test_a_three_token_pool_is_three_pairs_of_one_pool() -> None:
    pool = stable()
    views = pair_views(pool)
    assert [(v.token0, v.token1) for v in views] == [(A, B), (A, C), (B, C)]
    assert all(isinstance(v, StablePair) and v.pool is pool for v in views)
    assert {v.address for v in views} == {STABLE_POOL}
    keys = [v.state_key for v in views]
    assert len(set(keys)) == 3
    assert keys[0] == pair_key(STABLE_POOL, B, A) == f"{STABLE_POOL}:{A}:{B}".lower()
    # A weighted pool of two tokens is one pair, still keyed with its tokens.
    (only,) = pair_views(weighted())
    assert isinstance(only, WeightedPair)
    assert only.state_key == pair_key(WEIGHTED_POOL, A, B) != only.address.lower()


def test_a_pool_that_pays_nothing_has_no_depth_to_the_screen() -> None:
    (paused,) = pair_views(replace(weighted(), paused=True))
    assert paused.screen_reserves() == (0, 0)
    (unjoined,) = pair_views(replace(weighted(), balances=(0, 0)))
    assert unjoined.screen_reserves() == (0, 0)
    assert unjoined.spot_price() is None
    drained = replace(stable(), balances=(0, 10**12, 2**111, 10**24))
    assert pair_views(drained)[2].screen_reserves() == (0, 0)
    assert all(x > 0 for x in pair_views(stable())[0].screen_reserves())


def test_vault_logs_move_every_pair_of_their_pool() -> None:
    pools = {STABLE_POOL.lower(): stable(), WEIGHTED_POOL.lower(): weighted()}
    logs = [
        _swap(STABLE_POOL, A, C, (10**6, 10**18 - 5), index=1),
        _log(
            VAULT,
            (POOL_BALANCE_CHANGED_TOPIC, _pool_id(STABLE_POOL), _topic(FACTORY)),
            encode_args(
                ["address[]", "int256[]", "uint256[]"],
                [[A, B, STABLE_POOL, C], [5, 6, -11, 7], [0, 0, 0, 0]],
            ),
            index=2,
        ),
    ]
    result = apply_balancer_logs(
        pools, reversed(logs), vaults=frozenset({VAULT.lower()}), factories=frozenset()
    )
    assert set(result.changed) == {STABLE_POOL.lower()}
    moved = result.changed[STABLE_POOL.lower()]
    assert moved.balances == (10**12 + 10**6 + 5, 10**12 + 6, 2**111 - 11, 10**24 - 10**18 + 5 + 7)
    assert moved.block_number == 9
    assert all(view.pool == moved for view in pair_views(moved))
    assert not result.reread
    assert not result.created


def test_settings_logs_send_the_pool_to_be_reread_and_skip_its_later_logs() -> None:
    pools = {WEIGHTED_POOL.lower(): weighted()}
    fee = _log(
        WEIGHTED_POOL,
        (SWAP_FEE_PERCENTAGE_CHANGED_TOPIC,),
        encode_args(["uint256"], [10**16]),
        index=1,
    )
    later = _swap(WEIGHTED_POOL, A, B, (ONE, 2_000 * 10**6), index=2)
    result = apply_balancer_logs(
        pools, [fee, later], vaults=frozenset({VAULT.lower()}), factories=frozenset()
    )
    assert result.reread == {WEIGHTED_POOL.lower()}
    assert result.changed == {}
    assert result.ignored == 1


def test_a_log_that_cannot_be_applied_sends_the_pool_to_be_reread() -> None:
    pools = {WEIGHTED_POOL.lower(): weighted()}
    foreign_token = _swap(WEIGHTED_POOL, A, C, (ONE, 1))
    result = apply_balancer_logs(
        pools, [foreign_token], vaults=frozenset({VAULT.lower()}), factories=frozenset()
    )
    assert result.reread == {WEIGHTED_POOL.lower()}


def test_other_vaults_factories_and_pools_are_passed_over() -> None:
    pools = {WEIGHTED_POOL.lower(): weighted()}
    new_pool = "0x00000000000000000000000000000000000000ee"
    logs = [
        # A Vault we follow logs a pool we do not hold; another Vault logs our pool's id.
        _swap(STABLE_POOL, A, B, (1, 1), index=0),
        replace(_swap(WEIGHTED_POOL, A, B, (1, 1)), address=OTHER_VAULT, log_index=1),
        # Pools made by our factory are announced once; another factory's are not ours.
        _log(FACTORY, (POOL_CREATED_TOPIC, _topic(new_pool)), index=2),
        _log(FACTORY, (POOL_CREATED_TOPIC, _topic(new_pool)), index=3),
        _log(OTHER_VAULT, (POOL_CREATED_TOPIC, _topic(STABLE_POOL)), index=4),
    ]
    result = apply_balancer_logs(
        pools,
        logs,
        vaults=frozenset({VAULT.lower(), OTHER_VAULT.lower()}),
        factories=frozenset({FACTORY.lower()}),
    )
    assert result.created == [new_pool]
    assert result.changed == {}
    assert result.ignored == 3

"""V3 pool and factory logs applied to pool states: each event's effect, log order within a
block, new pools, and the logs that must be ignored or that reveal a wrong state. The logs are
ABI-encoded here with eth-abi from the v3-core event signatures."""

from __future__ import annotations

from dataclasses import replace

import pytest
from eth_abi.abi import encode
from eth_utils.crypto import keccak

from omniarb.chain_events import ChainLog
from omniarb.dex.uniswap_v3 import TickTable, V3PoolState
from omniarb.dex.uniswap_v3.logs import (
    V3_TOPICS,
    apply_v3_logs,
    decode_pool_created,
)

POOL = "0x" + "aa" * 20
FACTORY = "0x" + "fa" * 20
TOKEN0 = "0x" + "01" * 20
TOKEN1 = "0x" + "02" * 20
FACTORIES = {FACTORY: "uniswap-v3"}


def topic(signature: str) -> str:
    return "0x" + keccak(text=signature).hex()


SWAP = topic("Swap(address,address,int256,int256,uint160,uint128,int24)")
MINT = topic("Mint(address,address,int24,int24,uint128,uint256,uint256)")
BURN = topic("Burn(address,int24,int24,uint128,uint256,uint256)")
INITIALIZE = topic("Initialize(uint160,int24)")
POOL_CREATED = topic("PoolCreated(address,address,uint24,int24,address)")


def word(types: list[str], values: list[object]) -> str:
    return "0x" + encode(types, values).hex()


def chain_log(
    topics: list[str], data: str, *, index: int, block: int = 10, address: str = POOL
) -> ChainLog:
    return ChainLog(
        chain_id=1,
        address=address,
        topics=tuple(topics),
        data=data,
        block_number=block,
        block_hash="0x" + f"{block:064x}",
        log_index=index,
        transaction_hash="0x" + "00" * 32,
        removed=False,
        received_ns=0,
    )


def swap(index: int, *, sqrt_price: int, liquidity: int, tick: int) -> ChainLog:
    data = word(
        ["int256", "int256", "uint160", "uint128", "int24"], [5, -4, sqrt_price, liquidity, tick]
    )
    return chain_log([SWAP, "0x" + "00" * 32, "0x" + "00" * 32], data, index=index)


def tick_topic(tick: int) -> str:
    return word(["int24"], [tick])


def mint(index: int, lower: int, upper: int, amount: int) -> ChainLog:
    data = word(["address", "uint128", "uint256", "uint256"], [TOKEN0, amount, 1, 1])
    return chain_log(
        [MINT, "0x" + "00" * 32, tick_topic(lower), tick_topic(upper)], data, index=index
    )


def burn(index: int, lower: int, upper: int, amount: int) -> ChainLog:
    data = word(["uint128", "uint256", "uint256"], [amount, 1, 1])
    return chain_log(
        [BURN, "0x" + "00" * 32, tick_topic(lower), tick_topic(upper)], data, index=index
    )


def base_state(**changes: object) -> V3PoolState:
    fields: dict[str, object] = {
        "chain_id": 1,
        "address": POOL,
        "dex": "uniswap-v3",
        "factory": FACTORY,
        "token0": TOKEN0,
        "token1": TOKEN1,
        "fee_pips": 3000,
        "tick_spacing": 60,
        "sqrt_price_x96": 2**96,
        "tick": 0,
        "liquidity": 1000,
        "ticks": TickTable.from_ticks({-600: (1000, 1000), 600: (1000, -1000)}),
        "block_number": 9,
    }
    fields.update(changes)
    return V3PoolState(**fields)  # type: ignore[arg-type]


def apply(*logs: ChainLog, state: V3PoolState | None = None):
    return apply_v3_logs({POOL: state or base_state()}, list(logs), factories=FACTORIES, chain_id=1)


def test_the_topics_are_the_v3_core_events() -> None:
    assert V3_TOPICS == (SWAP, MINT, BURN, INITIALIZE, POOL_CREATED)


def test_a_swap_sets_price_tick_and_liquidity() -> None:
    result = apply(swap(0, sqrt_price=2**95, liquidity=77, tick=-13_863))
    state = result.changed[POOL]
    assert (state.sqrt_price_x96, state.liquidity, state.tick, state.block_number) == (
        2**95,
        77,
        -13_863,
        10,
    )
    assert state.ticks == base_state().ticks


def test_a_mint_in_range_adds_active_liquidity_and_ticks() -> None:
    state = apply(mint(0, -60, 120, 500)).changed[POOL]
    assert state.liquidity == 1500
    assert dict(state.ticks.items()) == {-600: 1000, -60: 500, 120: -500, 600: -1000}
    assert state.ticks.gross(-60) == 500


def test_a_mint_out_of_range_leaves_active_liquidity() -> None:
    state = apply(mint(0, 60, 120, 500)).changed[POOL]
    assert state.liquidity == 1000
    assert state.ticks.gross(60) == state.ticks.gross(120) == 500


def test_a_burn_of_everything_uninitializes_its_ticks() -> None:
    state = apply(burn(0, -600, 600, 1000)).changed[POOL]
    assert state.liquidity == 0
    assert len(state.ticks) == 0


def test_a_zero_burn_changes_nothing_but_the_block() -> None:
    state = apply(burn(0, -600, 600, 0)).changed[POOL]
    assert state == base_state(block_number=10)


def test_logs_apply_in_log_index_order_whatever_order_they_come_in() -> None:
    # A swap to tick -30, then a mint of [-60, 120): the price is in the new range, so the mint
    # adds active liquidity on top of what the swap's log says.
    to_minus_30 = swap(3, sqrt_price=2**96 - 2**80, liquidity=1000, tick=-30)
    add = mint(5, -60, 120, 500)
    in_order = apply(to_minus_30, add).changed[POOL]
    assert (in_order.tick, in_order.liquidity) == (-30, 1500)
    assert apply(add, to_minus_30).changed[POOL] == in_order
    # Had the mint come first, the swap's log would have the last word on the liquidity.
    mint_first = apply(replace(add, log_index=1), to_minus_30).changed[POOL]
    assert mint_first.liquidity == 1000
    assert mint_first.ticks == in_order.ticks


def test_initialize_sets_the_first_price_and_unlocks() -> None:
    locked = base_state(sqrt_price_x96=0, liquidity=0, ticks=TickTable(), unlocked=False)
    data = word(["uint160", "int24"], [2**96 * 3, 21_972])
    state = apply(chain_log([INITIALIZE], data, index=0), state=locked).changed[POOL]
    assert (state.sqrt_price_x96, state.tick, state.unlocked) == (2**96 * 3, 21_972, True)


def pool_created(factory: str, *, index: int = 0, pool: str = "0x" + "bb" * 20) -> ChainLog:
    return chain_log(
        [
            POOL_CREATED,
            word(["address"], [TOKEN0]),
            word(["address"], [TOKEN1]),
            word(["uint24"], [500]),
        ],
        word(["int24", "address"], [10, pool]),
        index=index,
        address=factory,
    )


def test_pool_created_by_a_known_factory_starts_a_locked_pool() -> None:
    new = "0x" + "bb" * 20
    created = decode_pool_created(pool_created(FACTORY))
    assert (created.pool, created.token0, created.token1) == (new, TOKEN0, TOKEN1)
    assert (created.fee_pips, created.tick_spacing, created.block_number) == (500, 10, 10)
    init = chain_log([INITIALIZE], word(["uint160", "int24"], [2**96, 0]), index=1, address=new)
    result = apply(pool_created(FACTORY), init)
    assert result.created == [new]
    state = result.changed[new]
    assert (state.dex, state.fee_pips, state.tick_spacing, state.unlocked) == (
        "uniswap-v3",
        500,
        10,
        True,
    )
    assert state.address == "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"
    ignored = apply(pool_created("0x" + "99" * 20))
    assert (ignored.changed, ignored.created, ignored.ignored) == ({}, [], 1)


def test_unknown_pools_other_topics_and_removed_logs_are_skipped() -> None:
    stranger = replace(swap(0, sqrt_price=1, liquidity=1, tick=1), address="0x" + "cc" * 20)
    flash = topic("Flash(address,address,uint256,uint256,uint256,uint256)")
    other = chain_log([flash], "0x", index=1)
    removed = replace(swap(2, sqrt_price=1, liquidity=1, tick=1), removed=True)
    result = apply(stranger, other, removed)
    assert result.changed == {}
    assert result.ignored == 2


def test_a_burn_of_more_than_a_tick_holds_marks_the_pool_broken() -> None:
    result = apply(burn(0, -600, 600, 1001), swap(1, sqrt_price=5, liquidity=5, tick=5))
    assert result.broken == {POOL}
    assert POOL not in result.changed
    assert result.ignored == 1  # the swap after it: the state is known to be wrong


@pytest.mark.parametrize("data_bytes", [0, 31, 33 * 5])
def test_a_swap_log_of_the_wrong_size_marks_the_pool_broken(data_bytes: int) -> None:
    bad = chain_log([SWAP, "0x" + "00" * 32, "0x" + "00" * 32], "0x" + "00" * data_bytes, index=0)
    assert apply(bad).broken == {POOL}

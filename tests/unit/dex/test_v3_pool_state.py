"""`V3PoolState` and `TickTable`: the value's API, and position changes mirroring
`UniswapV3Pool._modifyPosition` / `Tick.update`."""

from __future__ import annotations

from dataclasses import replace

import pytest
from _v3_reference import Position, pool_state

from omniarb.dex.uniswap_v3.errors import V3RevertError
from omniarb.dex.uniswap_v3.tick_math import get_sqrt_ratio_at_tick
from omniarb.dex.uniswap_v3.tick_table import TickTable

E18 = 10**18
POSITIONS = [Position(-600, 600, 5 * E18), Position(-60, 120, 7 * E18)]


def test_tick_table_is_a_sorted_mapping_of_liquidity_net() -> None:
    table = TickTable.from_ticks({120: (7, -7), -600: (5, 5), -60: (7, 7), 600: (5, -5)})
    assert list(table) == [-600, -60, 120, 600]
    assert dict(table) == {-600: 5, -60: 7, 120: -7, 600: -5}
    assert table[120] == -7
    assert table.gross(-60) == 7
    assert table.gross(0) == 0
    assert -61 not in table
    with pytest.raises(KeyError):
        table[0]
    assert table.sqrt_prices == tuple(get_sqrt_ratio_at_tick(t) for t in table)
    assert table == TickTable(
        ticks=table.ticks, liquidity_net=table.liquidity_net, liquidity_gross=table.liquidity_gross
    )
    assert hash(table) == hash(
        TickTable.from_ticks(
            dict(
                zip(
                    table, zip(table.liquidity_gross, table.liquidity_net, strict=True), strict=True
                )
            )
        )
    )


def test_tick_table_rejects_unsorted_or_ragged_tuples() -> None:
    with pytest.raises(ValueError, match="ascending"):
        TickTable(ticks=(2, 1), liquidity_net=(0, 0), liquidity_gross=(1, 1))
    with pytest.raises(ValueError, match="length"):
        TickTable(ticks=(1,), liquidity_net=(), liquidity_gross=(1,))


def test_position_changes_update_both_ends_and_uninitialize_at_zero_gross() -> None:
    table = TickTable().with_position_change(-60, 60, 10, 60)
    table = table.with_position_change(0, 60, 4, 60)
    assert dict(table) == {-60: 10, 0: 4, 60: -14}
    assert table.gross(60) == 14
    table = table.with_position_change(-60, 60, -10, 60)
    assert dict(table) == {0: 4, 60: -4}
    assert table.with_position_change(0, 60, -4, 60) == TickTable()


def test_a_tick_with_zero_net_stays_initialized() -> None:
    """Two positions meeting at a tick cancel its net, but the swap loop still stops there."""
    table = TickTable().with_position_change(-60, 0, 3, 60).with_position_change(0, 60, 3, 60)
    assert dict(table) == {-60: 3, 0: 0, 60: -3}


@pytest.mark.parametrize(
    ("lower", "upper", "delta", "spacing"),
    [(60, 60, 1, 60), (120, 60, 1, 60), (-887280, 60, 1, 60), (0, 30, 1, 60), (-60, 60, -1, 60)],
)
def test_bad_position_changes_revert(lower: int, upper: int, delta: int, spacing: int) -> None:
    with pytest.raises(V3RevertError):
        TickTable().with_position_change(lower, upper, delta, spacing)


def test_state_position_change_moves_active_liquidity_only_in_range() -> None:
    state = pool_state(tick_spacing=60, fee_pips=3000, positions=POSITIONS, sqrt_price_x96=2**96)
    assert state.tick == 0
    assert state.liquidity == 12 * E18
    inside = state.with_position_change(
        tick_lower=0, tick_upper=60, liquidity_delta=E18, block_number=2
    )
    assert (inside.liquidity, inside.block_number) == (13 * E18, 2)
    # The upper tick is exclusive: a position ending at the current tick is not active.
    below = state.with_position_change(
        tick_lower=-120, tick_upper=0, liquidity_delta=E18, block_number=2
    )
    assert below.liquidity == 12 * E18
    assert below.ticks[-120] == E18
    burned = inside.with_position_change(
        tick_lower=0, tick_upper=60, liquidity_delta=-E18, block_number=3
    )
    assert burned.ticks == state.ticks
    assert burned.liquidity == state.liquidity


def test_amount_out_and_in_speak_token_addresses() -> None:
    state = pool_state(tick_spacing=60, fee_pips=3000, positions=POSITIONS, sqrt_price_x96=2**96)
    out = state.amount_out(state.token0.upper().replace("0X", "0x"), 10**15)
    assert out == state.swap_exact_input(zero_for_one=True, amount_in=10**15).amount_out
    needed = state.amount_in(state.token1, out)
    assert needed <= 10**15
    assert state.amount_out(state.token0, needed) == out
    with pytest.raises(ValueError, match="not a token"):
        state.amount_out("0x0000000000000000000000000000000000000001", 1)
    with pytest.raises(V3RevertError, match="can pay only"):
        state.amount_in(state.token1, 10**30)


def test_after_swap_is_the_state_the_swap_leaves() -> None:
    state = pool_state(tick_spacing=60, fee_pips=3000, positions=POSITIONS, sqrt_price_x96=2**96)
    result = state.swap_exact_input(zero_for_one=False, amount_in=E18)
    after = state.after_swap(result, block_number=9)
    assert (after.sqrt_price_x96, after.tick, after.liquidity, after.block_number) == (
        result.sqrt_price_x96,
        result.tick,
        result.liquidity,
        9,
    )
    assert after.ticks is state.ticks
    assert (
        replace(
            after,
            block_number=1,
            sqrt_price_x96=state.sqrt_price_x96,
            tick=0,
            liquidity=state.liquidity,
        )
        == state
    )

"""Algebra Integral's tick table, tick tree decoding, pool address and log application."""

from __future__ import annotations

import random

import pytest

from omniarb.chain_events import ChainLog
from omniarb.devnet.kinds.algebra import create_address
from omniarb.dex.algebra import (
    AlgebraRevertError,
    AlgebraTicks,
    apply_algebra_logs,
    pool_address,
)
from omniarb.dex.algebra.events import FEE_TOPIC, INITIALIZE_TOPIC, MINT_TOPIC, POOL_TOPIC
from omniarb.dex.algebra.reader import SECOND_LAYER_OFFSET, tree_ticks


class Tree:
    """`TickTree.toggleTick` on plain dicts, to build trees the decoder must read back."""

    def __init__(self) -> None:
        self.root = 0
        self.second: dict[int, int] = {}
        self.leaves: dict[int, int] = {}

    def toggle(self, tick: int) -> None:
        if self._flip(self.leaves, tick >> 8, tick & 0xFF):
            node = (tick >> 8) + SECOND_LAYER_OFFSET
            if self._flip(self.second, node >> 8, node & 0xFF):
                self.root ^= 1 << (node >> 8)

    @staticmethod
    def _flip(level: dict[int, int], index: int, bit: int) -> bool:
        """Toggle a bit; whether the word went from empty to not or back."""
        before = level.get(index, 0)
        level[index] = before ^ (1 << bit)
        return (before == 0) != (level[index] == 0)


def test_tree_ticks_reads_back_every_toggled_tick() -> None:
    rng = random.Random(2)
    tree = Tree()
    ticks: set[int] = set()
    for _ in range(400):
        tick = rng.choice([rng.randint(-887272, 887272), rng.randint(-3000, 3000)])
        tree.toggle(tick)
        ticks ^= {tick}
    assert tree_ticks(tree.root, tree.second, tree.leaves) == sorted(ticks)


def test_tick_table_adds_and_removes_ticks() -> None:
    table = AlgebraTicks().with_position_change(-60, 120, 1000)
    table = table.with_position_change(0, 120, 500)
    assert dict(table.items()) == {-60: 1000, 0: 500, 120: -1500}
    table = table.with_position_change(-60, 120, -1000)
    assert list(table.items_total_delta()) == [(0, 500, 500), (120, 500, -500)]
    with pytest.raises(AlgebraRevertError, match="liquiditySub"):
        table.with_position_change(0, 120, -501)
    with pytest.raises(AlgebraRevertError, match="topTickLowerOrEqBottomTick"):
        table.with_position_change(10, 10, 1)


def test_pool_address_is_create2_of_the_sorted_tokens() -> None:
    deployer = create_address("0x" + "ab" * 20, 5)
    a, b = "0x" + "01" * 20, "0x" + "02" * 20
    assert pool_address(deployer, a, b) == pool_address(deployer, b, a)
    assert pool_address(deployer, a, b) != pool_address(deployer, a, b, custom_deployer=a)
    # The CREATE address of anvil's first dev account's first contract, a well-known value.
    assert create_address("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", 0) == (
        "0x5FbDB2315678afecb367f032d93F642f64180aa3"
    )


def _log(address: str, topics: list[str], words: list[int], index: int) -> ChainLog:
    data = "0x" + "".join(f"{w % 2**256:064x}" for w in words)
    return ChainLog(
        chain_id=1, address=address, topics=tuple(topics), data=data, block_number=7,
        block_hash="0x" + "00" * 32, log_index=index, transaction_hash="0x" + "00" * 32,
        removed=False, received_ns=0,
    )  # fmt: skip


def test_logs_build_a_pool_from_its_creation() -> None:
    factory, pool = "0x" + "fa" * 20, "0x" + "cc" * 20
    t0, t1 = "0x" + "00" * 12 + "01" * 20, "0x" + "00" * 12 + "02" * 20
    word = lambda v: f"0x{v % 2**256:064x}"  # noqa: E731
    logs = [
        _log(factory, [POOL_TOPIC, t0, t1], [int(pool, 16)], 1),
        _log(pool, [INITIALIZE_TOPIC], [2**96, 0], 0),  # before `Pool`, as in one transaction
        _log(pool, [FEE_TOPIC], [3000], 2),
        _log(pool, [MINT_TOPIC, word(1), word(-60), word(60)], [1, 10**18, 5, 5], 3),
    ]
    applied = apply_algebra_logs({}, logs, factories={factory: "algebra"}, chain_id=1)
    state = applied.changed[pool]
    assert applied.created == [pool]
    assert not applied.broken
    assert (state.sqrt_price_x96, state.fee_pips, state.liquidity) == (2**96, 3000, 10**18)
    assert dict(state.ticks.items()) == {-60: 10**18, 60: -(10**18)}

"""What the finality watch decides from the node's answers: which trades a reorg orphaned, what
became of each (re-included, pending, replaced, dropped), and what a trade in no block records."""

from __future__ import annotations

from dataclasses import replace

import pytest
from _monitor_values import trade

from omniarb.track.finality import ReorgResult, judge, not_included, orphaned
from omniarb.types import Outcome

HASH_A = "0x" + "aa" * 32
HASH_B = "0x" + "bb" * 32


def _mined(n: int, block_hash: str = HASH_A, *, nonce: int = 7) -> Outcome:
    outcome = trade(n)
    execution = replace(outcome.execution, nonce=nonce)
    return replace(outcome, execution=execution, block_hash=block_hash)


def test_a_trade_whose_block_hash_changed_or_vanished_is_orphaned() -> None:
    kept, moved, gone = _mined(1), _mined(2), _mined(3)
    canonical = {
        kept.block_number: HASH_A.upper().replace("0X", "0x"),  # hashes compare in any case
        moved.block_number: HASH_B,
        gone.block_number: None,  # the chain is shorter than that block now
    }
    assert orphaned([kept, moved, gone], canonical) == [moved, gone]


def test_trades_in_no_block_or_not_asked_about_are_not_orphaned() -> None:
    dropped = not_included(_mined(1), ReorgResult.DROPPED)
    unasked = _mined(2)
    assert orphaned([dropped, unasked], {}) == []


def test_a_receipt_means_re_included_whatever_else_the_node_says() -> None:
    outcome = _mined(1, nonce=7)
    receipt = {"blockHash": HASH_B}
    assert judge(outcome, receipt=receipt, transaction={}, mined_nonces=9) is (
        ReorgResult.REINCLUDED
    )


def test_a_transaction_the_node_still_holds_is_pending() -> None:
    outcome = _mined(1, nonce=7)
    assert judge(outcome, receipt=None, transaction={"hash": "0x1"}, mined_nonces=7) is (
        ReorgResult.PENDING
    )


@pytest.mark.parametrize(
    ("mined_nonces", "result"),
    [(8, ReorgResult.REPLACED), (7, ReorgResult.DROPPED), (3, ReorgResult.DROPPED)],
)
def test_an_unknown_transaction_is_replaced_only_when_its_nonce_was_mined(
    mined_nonces: int, result: ReorgResult
) -> None:
    outcome = _mined(1, nonce=7)
    assert judge(outcome, receipt=None, transaction=None, mined_nonces=mined_nonces) is result


def test_a_trade_in_no_block_realized_nothing_and_paid_no_gas() -> None:
    before = replace(_mined(1), final=True, touched_earlier_in_block=True)
    for result, status in [
        (ReorgResult.PENDING, "pending"),
        (ReorgResult.REPLACED, "replaced"),
        (ReorgResult.DROPPED, "dropped"),
    ]:
        after = not_included(before, result)
        assert after.status == status
        assert not after.included
        assert not after.success
        assert not after.final
        assert not after.touched_earlier_in_block
        assert (after.block_number, after.block_hash) == (None, None)
        assert (after.gas_used, after.gas_cost_wei, after.realized_profit) == (0, 0, 0)
        assert after.execution == before.execution


def test_an_outcome_status_names_what_the_chain_says() -> None:
    assert trade(1).status == "succeeded"
    assert trade(1, success=False).status == "reverted"
    assert trade(1, included=False).status == "dropped"

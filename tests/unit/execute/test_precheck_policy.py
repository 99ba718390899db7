"""The remote pre-check policy: which trades the node checks before the send, how a token is
proven or flagged by what its trades did, and the deterministic audit sample."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import pytest
from _monitor_values import USDC, WETH, trade

from omniarb.execute.precheck_policy import AuditSampler, PrecheckPolicy


def policy(mode: str = "unproven", rate: Fraction = Fraction(0)) -> PrecheckPolicy:
    return PrecheckPolicy(mode=mode, audit_rate=rate)  # type: ignore[arg-type]


ROUTE = trade().execution.decision.opportunity.route


def test_unproven_tokens_get_the_remote_precheck_until_a_trade_proves_them() -> None:
    p = policy()
    assert p.remote_needed(ROUTE)
    p.on_outcome(trade())  # succeeded, realized == predicted
    assert p.trust.is_proven(WETH)
    assert p.trust.is_proven(USDC)
    assert not p.remote_needed(ROUTE)
    assert (p.counters.remote, p.counters.local_only) == (1, 1)


@pytest.mark.parametrize(
    "outcome",
    [
        trade(success=False),  # reverted on chain
        trade(realized_profit=10**16 - 1),  # realized another profit than predicted
    ],
    ids=["reverted", "realized-differs"],
)
def test_a_trade_that_surprised_flags_its_tokens(outcome: object) -> None:
    p = policy()
    p.on_outcome(trade())
    p.on_outcome(outcome)  # type: ignore[arg-type]
    assert p.trust.is_flagged(WETH)
    assert p.trust.is_flagged(USDC)
    assert p.remote_needed(ROUTE)
    p.on_outcome(trade())  # a flag stays for the run
    assert p.remote_needed(ROUTE)


def test_trades_that_say_nothing_of_their_tokens_neither_prove_nor_flag() -> None:
    p = policy()
    p.on_outcome(trade(included=False))  # dropped: it did not run
    explained = replace(trade(realized_profit=1), touched_earlier_in_block=True)
    p.on_outcome(explained)  # another transaction moved its pools first
    p.on_outcome(replace(trade(success=False), touched_earlier_in_block=True))  # so it reverted
    assert not p.trust.is_flagged(WETH)
    assert not p.trust.is_proven(WETH)
    assert p.remote_needed(ROUTE)


def test_an_audit_that_disagreed_flags_the_route() -> None:
    p = policy()
    p.on_outcome(trade())
    p.audit_disagreed(ROUTE)
    assert p.remote_needed(ROUTE)
    assert p.counters.audit_mismatches == 1


def test_always_and_never() -> None:
    always, never = policy("always"), policy("never")
    for p in (always, never):
        p.on_outcome(trade())
    assert always.remote_needed(ROUTE)
    never.on_outcome(trade(success=False))
    assert not never.remote_needed(ROUTE)


@pytest.mark.parametrize(
    ("rate", "picked"),
    [
        (Fraction(1, 20), [20, 40, 60]),
        (
            Fraction(1, 3),
            [3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 33, 36, 39, 42, 45, 48, 51, 54, 57, 60],
        ),
        (Fraction(1), list(range(1, 61))),
        (Fraction(0), []),
    ],
)
def test_the_audit_sample_is_deterministic(rate: Fraction, picked: list[int]) -> None:
    sampler = AuditSampler(rate)
    assert [n for n in range(1, 61) if sampler.due()] == picked


def test_an_audit_rate_outside_0_to_1_is_refused() -> None:
    with pytest.raises(ValueError, match="from 0 to 1"):
        AuditSampler(Fraction(3, 2))


def test_the_ledger_starts_from_what_earlier_runs_said() -> None:
    p = policy()
    p.trust.remember(proven=[WETH.upper().replace("0X", "0x"), USDC], flagged=[])
    assert not p.remote_needed(ROUTE)
    p.trust.remember(proven=[], flagged=[USDC.lower()])
    assert p.remote_needed(ROUTE)

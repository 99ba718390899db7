"""What a simulated trade's legs say about a token, and which pools of a route can send a buy."""

from __future__ import annotations

from dataclasses import replace

import pytest

from omniarb.chains.spec import DexKind
from omniarb.risk._token_probe import ProbeLegs
from omniarb.risk.token_safety import TokenReason, holder_pools, judge
from omniarb.types import Hop, Route

PLAIN = ProbeLegs(
    bought_sent=1_000,
    bought=True,
    bought_received=1_000,
    moved=True,
    move_sent=500,
    move_received=500,
    sold=True,
    sell_sent=500,
    sell_received=500,
)


@pytest.mark.parametrize(
    ("legs", "reasons", "tax_bps"),
    [
        (PLAIN, (), 0),
        (replace(PLAIN, bought_received=950), (TokenReason.TRANSFER_TAX,), 500),
        (replace(PLAIN, move_received=499), (TokenReason.TRANSFER_TAX,), 20),
        (replace(PLAIN, sell_received=250), (TokenReason.TRANSFER_TAX,), 5_000),
        (replace(PLAIN, sold=False, sell_received=0), (TokenReason.SELL_REVERTS,), 0),
        (
            replace(PLAIN, moved=False, move_received=0, sold=False, sell_received=0),
            (TokenReason.BLACKLIST,),
            0,
        ),
        (
            replace(PLAIN, bought_received=900, sold=False, sell_received=0),
            (TokenReason.TRANSFER_TAX, TokenReason.SELL_REVERTS),
            1_000,
        ),
        # A received amount larger than sent (a rebase upwards) is no tax.
        (replace(PLAIN, move_received=600), (), 0),
    ],
)
def test_legs_give_the_reasons(
    legs: ProbeLegs, reasons: tuple[TokenReason, ...], tax_bps: int
) -> None:
    assert judge(legs, max_tax_bps=0) == (reasons, tax_bps)


def test_a_tax_within_the_bound_is_no_reason() -> None:
    taxed = replace(PLAIN, bought_received=990)
    assert judge(taxed, max_tax_bps=100) == ((), 100)
    assert judge(taxed, max_tax_bps=99) == ((TokenReason.TRANSFER_TAX,), 100)


def _hop(pool: str, kind: str, token_in: str, token_out: str) -> Hop:
    return Hop(
        pool=pool,
        dex=kind,
        kind=kind,
        token_in=token_in,
        token_out=token_out,
        zero_for_one=True,
        fee_pips=3000,
    )


def test_only_pools_that_hold_their_tokens_are_named() -> None:
    route = Route(
        chain_id=1,
        hops=(
            _hop("0xB1", DexKind.BALANCER_WEIGHTED, "0xAA", "0xBB"),
            _hop("0xV2", DexKind.UNISWAP_V2, "0xBB", "0xCC"),
            _hop("0xV4", DexKind.UNISWAP_V4, "0xCC", "0xAA"),
        ),
    )
    assert holder_pools(route) == {"0xbb": "0xV2", "0xcc": "0xV2"}

"""The rivals' figures as the demo prints them: wins over sends per rival, summed over chains."""

from __future__ import annotations

from omniarb.devnet.rivals import Channel, RivalsSnapshot, RivalStats


def _stats(rival: str, chain: str, *, sent: int, won: int) -> RivalStats:
    return RivalStats(
        rival=rival,
        chain=chain,
        channel=Channel.PUBLIC,
        latency_ms=1.0,
        tip_wei=10**9,
        bribe_share_bps=0,
        sent=sent,
        won=won,
    )


def test_the_summary_sums_each_rival_over_its_chains() -> None:
    snapshot = RivalsSnapshot(
        rivals=(
            _stats("fast", "bnb", sent=5, won=3),
            _stats("slow", "bnb", sent=4, won=0),
            _stats("fast", "polygon", sent=2, won=1),
        )
    )
    assert snapshot.summary() == "rivals won/sent: fast 4/7, slow 0/4"
    assert (snapshot.sent, snapshot.won) == (11, 4)


def test_no_rivals_say_so() -> None:
    assert RivalsSnapshot().summary() == "rivals: none"

"""The pools held by trades in flight: a route's pools and a lending pool outside it, held until
the decider has seen the block the trade landed in."""

from __future__ import annotations

import dataclasses

from _monitor_values import POOL_A, POOL_B, decision, opportunity

from omniarb.in_flight import InFlightPools
from omniarb.types import Decision, FlashLoan, FlashPool, Route

LENDER = "0x" + "ab" * 20
OTHER = "0x" + "cd" * 20


def _through(*pools: str, lender: str | None = None) -> Decision:
    """A decision whose route runs through `pools`, borrowing from pool `lender` if given."""
    opp = opportunity()
    template = opp.route.hops[0]
    hops = tuple(dataclasses.replace(template, pool=pool) for pool in pools)
    route = Route(chain_id=opp.route.chain_id, hops=hops)
    dec = decision(dataclasses.replace(opp, route=route))
    if lender is None:
        return dec
    flash = FlashPool(
        pool=lender,
        dex="uniswap-v2",
        kind="uniswap-v2",
        token0=template.token_in,
        token1=template.token_out,
        fee_pips=3000,
    )
    return dataclasses.replace(dec, flash_source=FlashLoan.V2_PAIR, flash_pool=flash)


def test_a_trade_holds_its_route_until_its_block_is_seen() -> None:
    held = InFlightPools()
    first = _through(POOL_A, POOL_B)
    held.hold(first)
    assert held.busy(_through(POOL_B, OTHER))
    held.settled(first, landed_in=10)
    # The receipt is in, but the decider's state is still that of block 9. (Addresses match
    # in any case: routes carry checksummed ones.)
    held.seen(9)
    assert held.busy(_through(POOL_B.lower(), OTHER))
    held.seen(10)
    assert not held.busy(_through(POOL_B, OTHER))
    assert held.empty


def test_a_lending_pool_outside_the_route_is_held() -> None:
    held = InFlightPools()
    borrower = _through(POOL_A, POOL_B, lender=LENDER)
    held.hold(borrower)
    assert held.busy(_through(LENDER, OTHER))
    assert not held.busy(_through(OTHER))
    # A trade borrowing from a held pool would also be priced on a state about to change.
    assert held.busy(_through(OTHER, lender=POOL_A))


def test_a_trade_that_never_landed_releases_at_once() -> None:
    held = InFlightPools()
    dropped = _through(POOL_A)
    held.hold(dropped)
    held.settled(dropped, landed_in=None)
    assert not held.busy(_through(POOL_A))


def test_holds_count_trades_sharing_a_pool() -> None:
    held = InFlightPools()
    first, second = _through(POOL_A, POOL_B), _through(POOL_A, OTHER)
    held.hold(first)
    held.hold(second)
    held.settled(first, landed_in=5)
    held.seen(5)
    assert held.busy(_through(POOL_A))
    assert not held.busy(_through(POOL_B))
    held.settled(second, landed_in=6)
    held.seen(7)
    assert not held.busy(_through(POOL_A))

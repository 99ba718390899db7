"""The circuit breakers of a run: one global, and optionally one per chain.

A chain's breaker open stops that chain only; the global breaker open stops every chain. A
chain's events (settled trades, system errors, pool prices) feed its own breaker, or the global
one for a chain without its own; the global breaker also counts every trade's net USD toward
its loss limit, the bot-wide money stop. (Were a chain's failures, errors and prices fed to the
global breaker too, with the same limits it would trip with the chain's and stop every chain.)
Without per-chain breakers the board is exactly the one global breaker there was before scopes.

    board = BreakerBoard(global_breaker=CircuitBreaker(), chains={"base": CircuitBreaker(
        scope="base")})
    guard = board.for_chain("base")             # the decision stage of base's pipeline
    decision = await guard.process(decision)    # declined while base's or the global is open
    board.record_result("base", success=False, net_usd=-3.2)

The board is also the operator's `BreakerControl` (the API's and the CLI's): `trip`/`reset`
act on the global breaker, `scope(name)` finds a chain's, `breakers` lists every scope.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

from omniarb.errors import NotFoundError
from omniarb.risk.breaker import BreakerListener, BreakerTrip, CircuitBreaker
from omniarb.types import Decision

__all__ = ["GLOBAL_SCOPE", "BreakerBoard", "ChainGuard"]

log = logging.getLogger(__name__)

GLOBAL_SCOPE = "global"


class ChainGuard:
    """One chain's decision stage: declines while the global breaker or the chain's is open."""

    def __init__(self, *, global_breaker: CircuitBreaker, chain: CircuitBreaker | None) -> None:
        self._global = global_breaker
        self._chain = chain

    async def process(self, decision: Decision) -> Decision:
        """The decision unchanged while both are closed; declined with the open one's trip."""
        decided = self._global.decline(decision)
        return decided if self._chain is None else self._chain.decline(decided)


class BreakerBoard:
    """The global breaker and the per-chain ones (`chains`: chain name → its breaker)."""

    def __init__(
        self,
        *,
        global_breaker: CircuitBreaker,
        chains: Mapping[str, CircuitBreaker] | None = None,
    ) -> None:
        self._global = global_breaker
        self._chains = dict(chains or {})
        for name, breaker in self._chains.items():
            if breaker.scope != name or name == GLOBAL_SCOPE:
                raise ValueError(f"a chain's breaker must have the chain's scope, not {name!r}")

    # -- the operator's control (`omniarb.api.state.BreakerControl`), the global breaker ----

    @property
    def scope(self) -> str:
        return self._global.scope

    @property
    def is_open(self) -> bool:
        return self._global.is_open

    @property
    def trip_record(self) -> BreakerTrip | None:
        return self._global.trip_record

    def trip(self, detail: str, *, by: str = "manual") -> BreakerTrip:
        return self._global.trip(detail, by=by)

    def reset(self, *, by: str = "manual") -> BreakerTrip | None:
        return self._global.reset(by=by)

    # -- scopes ------------------------------------------------------------------------------

    @property
    def breakers(self) -> tuple[CircuitBreaker, ...]:
        """Every scope's breaker, the global one first, then the chains' by name."""
        return (self._global, *(self._chains[name] for name in sorted(self._chains)))

    def scope_breaker(self, scope: str) -> CircuitBreaker:
        """The breaker of `scope` ("global" or a chain's name); NotFoundError for another."""
        if scope == GLOBAL_SCOPE:
            return self._global
        breaker = self._chains.get(scope)
        if breaker is None:
            known = ", ".join(b.scope for b in self.breakers)
            raise NotFoundError(f"no circuit breaker for {scope!r} (scopes: {known})")
        return breaker

    def for_chain(self, chain: str) -> ChainGuard:
        """The decision stage of `chain`'s pipeline."""
        return ChainGuard(global_breaker=self._global, chain=self._chains.get(chain))

    def subscribe(self, listener: BreakerListener) -> None:
        """Call `listener` with every scope's trips and resets."""
        for breaker in self.breakers:
            breaker.subscribe(listener)

    # -- what the engine reports (through `omniarb.telemetry.Telemetry`) ----------------------

    def record_result(self, chain: str, *, success: bool, net_usd: float) -> list[BreakerTrip]:
        """A settled trade on `chain`; returns the trips it caused."""
        own = self._chains.get(chain)
        if own is None:
            return _tripped([self._global.record_result(success=success, net_usd=net_usd)])
        return _tripped(
            [
                own.record_result(success=success, net_usd=net_usd),
                self._global.record_net_usd(net_usd),
            ]
        )

    def record_error(self, chain: str, component: str) -> list[BreakerTrip]:
        """A system error on `chain` in `component`; returns the trip it caused, if any."""
        return _tripped([self._judge(chain).record_error(component)])

    def observe_price(
        self, chain: str, pool: str, price: float, *, block_number: int
    ) -> list[BreakerTrip]:
        """`pool`'s spot price on `chain` after `block_number`; returns the trip it caused."""
        return _tripped([self._judge(chain).observe_price(pool, price, block_number=block_number)])

    @property
    def watches_prices(self) -> bool:
        """Whether any breaker has a rule on prices (else the engine need not compute them)."""
        return any(rule.watches_prices for b in self.breakers for rule in b.rules)

    def _judge(self, chain: str) -> CircuitBreaker:
        return self._chains.get(chain, self._global)


def _tripped(trips: Iterable[BreakerTrip | None]) -> list[BreakerTrip]:
    return [trip for trip in trips if trip is not None]

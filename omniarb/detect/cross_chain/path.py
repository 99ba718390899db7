"""A leg's path on one chain: one or two pools of one DEX, with the states it is priced on.

The path keeps the pool states themselves, so a leg is re-priced exactly (`amount_out`, what
the pools pay to the wei) while the curve built over it (`curve.LegCurve`) sizes in floats.
A path's pools are all of one DEX whose kind is in `[cross_chain] leg_kinds`: the leg is sent
as one router call of that DEX.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from omniarb.dex.base import PoolState
from omniarb.errors import RevertError
from omniarb.types import Hop, Route

__all__ = ["LegPath", "hop_of"]


def hop_of(state: PoolState, token_in: str) -> Hop:
    """The hop selling `token_in` through `state`'s pool, filled as the atomic detector fills
    it (`omniarb.detect.graph`)."""
    # The state's own spelling of the address (the manifest's may differ in case).
    zero_for_one = token_in.lower() == state.token0.lower()
    token_in, token_out = (
        (state.token0, state.token1) if zero_for_one else (state.token1, state.token0)
    )
    currency_in, currency_out = state.currency(token_in), state.currency(token_out)
    return Hop(
        pool=state.address,
        dex=state.dex,
        kind=state.kind,
        token_in=token_in,
        token_out=token_out,
        zero_for_one=zero_for_one,
        fee_pips=state.fee_pips,
        tick_spacing=getattr(state, "tick_spacing", None),
        currency_in=None if currency_in == token_in else currency_in,
        currency_out=None if currency_out == token_out else currency_out,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class LegPath:
    """`states[i]` swaps `hops[i].token_in` for `hops[i].token_out`, in order."""

    chain_id: int
    states: tuple[PoolState, ...]
    hops: tuple[Hop, ...]

    @classmethod
    def through(
        cls,
        states: Sequence[PoolState],
        token_in: str,
        hops: dict[tuple[int, str, str, int], Hop] | None = None,
    ) -> LegPath:
        """The path selling `token_in` through `states` in order (each pool's other token is
        the next one's input). `hops`, when given, caches each pool's hop by (chain id, state
        key, token in, fee): a pool's hop changes only with its fee, not with its reserves, and
        building one is most of the cost of re-selecting a moved asset's paths. The chain id
        is part of the key: one address may be a pool on several chains (the devnet deploys
        the same contracts at the same addresses on every chain)."""
        built: list[Hop] = []
        token = token_in
        for state in states:
            if hops is None:
                hop = hop_of(state, token)
            else:
                key = (state.chain_id, state.state_key, token.lower(), state.fee_pips)
                hop = hops.get(key) or hops.setdefault(key, hop_of(state, token))
            built.append(hop)
            token = hop.token_out
        return cls(chain_id=states[0].chain_id, states=tuple(states), hops=tuple(built))

    @property
    def token_in(self) -> str:
        return self.hops[0].token_in

    @property
    def token_out(self) -> str:
        return self.hops[-1].token_out

    @property
    def block_number(self) -> int:
        return max(state.block_number for state in self.states)

    @property
    def is_constant_product(self) -> bool:
        return all(
            s.constant_product(h.zero_for_one) is not None
            for s, h in zip(self.states, self.hops, strict=True)
        )

    def route(self) -> Route:
        return Route(chain_id=self.chain_id, hops=self.hops)

    def amount_out(self, amount_in: int) -> int:
        """Exactly what the pools pay for `amount_in` along the path (0 where a pool cannot
        take it: the leg would revert, so it pays nothing)."""
        amount = amount_in
        for state, hop in zip(self.states, self.hops, strict=True):
            if amount <= 0:
                return 0
            try:
                amount = state.amount_out(hop.token_in, amount)
            except (RevertError, ValueError, ArithmeticError):
                return 0
        return amount

    def marginal_rate(self) -> float:
        """Raw output per raw input at the margin, fees included (float: screening only)."""
        rate = 1.0
        for state, hop in zip(self.states, self.hops, strict=True):
            spot = state.spot_price()
            if not spot:
                return 0.0
            price = spot if hop.zero_for_one else 1.0 / spot
            rate *= price * (1.0 - state.fee_pips / 1_000_000)
        return rate

    def exact_output_input(self, amount_out: int) -> int | None:
        """The input the pools ask for exactly `amount_out` at the end, hop by hop backwards
        (each pool's exact-output swap, as its router prices one); None where one cannot pay."""
        amount = amount_out
        for state, hop in zip(reversed(self.states), reversed(self.hops), strict=True):
            try:
                amount, _ = state.after_exact_output(hop.token_out, amount)
            except (RevertError, ValueError, ArithmeticError):
                return None
        return amount

    def min_amount_in(self, amount_out: int, guess: int) -> int | None:
        """The least input for which the path pays at least `amount_out` (None: it cannot),
        by exact `amount_out`: the pools' exact-output price when it is that least input
        (the usual case: two swaps to confirm), else bracketed from it (or from the float
        `guess`) and bisected."""
        if amount_out <= 0:
            return 0
        start = self.exact_output_input(amount_out)
        if start is not None and start > 0:
            if self.amount_out(start) >= amount_out > self.amount_out(start - 1):
                return start
            guess = start
        high = max(guess, 1)
        step = max(high // 1_000_000, 1)
        for _ in range(80):
            if self.amount_out(high) >= amount_out:
                break
            high += step
            step *= 2
        else:
            return None
        low = max(high - step, 0)
        while self.amount_out(low) >= amount_out and low > 0:
            low = low // 2
        # Invariant: amount_out(low) < target <= amount_out(high).
        while high - low > 1:
            middle = (low + high) // 2
            if self.amount_out(middle) >= amount_out:
                high = middle
            else:
                low = middle
        return high

"""What an opportunity is worth after gas: gas in the start token, profit in USD.

Gas is paid in the native coin; profit is held in the cycle's start token. We convert the gas
cost into the start token at the mid price of the deepest wrapped-native pool to it (no
conversion when the start token is the wrapped native), so net profit is one integer in one
token. USD is for display and ranking only: stablecoins (USDC/USDT/DAI) count as $1 per whole
token by convention; another token is priced through its deepest pool to a stablecoin, else
through wrapped native. Mid prices (reserve ratios) rather than swap quotes, because this values
an amount, it does not trade it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Protocol

from omniarb.dex.base import PoolState

__all__ = ["PairBook", "TokenPricer"]


class PairBook(Protocol):
    """Current states of the constant-product pools by token pair (whoever keeps the states
    provides this)."""

    def pair_states(self, token_a: str, token_b: str) -> Sequence[PoolState]: ...


def _reserves(state: PoolState, token_from: str) -> tuple[int, int]:
    """(reserve of `token_from`, reserve of the other token); (0, 0) for a pool without one
    constant-product curve."""
    curve = state.constant_product(state.token0.lower() == token_from.lower())
    return (0, 0) if curve is None else (curve[0], curve[1])


def _deepest_rate(book: PairBook, token_from: str, token_to: str) -> tuple[Fraction, int] | None:
    """(units of `token_to` per unit of `token_from`, depth in `token_to` units) via the pool
    between them holding the most `token_to`."""
    best: tuple[int, int] | None = None
    for state in book.pair_states(token_from, token_to):
        reserve_from, reserve_to = _reserves(state, token_from)
        if reserve_from > 0 and reserve_to > 0 and (best is None or reserve_to > best[1]):
            best = (reserve_from, reserve_to)
    if best is None:
        return None
    return Fraction(best[1], best[0]), best[1]


class TokenPricer:
    """Converts native wei into a token and token amounts into USD, from current pool states."""

    def __init__(self, *, wrapped_native: str, stablecoin_decimals: Mapping[str, int]) -> None:
        self.wrapped_native = wrapped_native
        # USD per base unit of each stablecoin: $1 per whole token.
        self._stable_unit_usd = {
            token.lower(): Fraction(1, 10**decimals)
            for token, decimals in stablecoin_decimals.items()
        }
        self._stables = list(stablecoin_decimals)

    def native_rate(self, token: str, book: PairBook) -> Fraction | None:
        """Base units of `token` per wei of the wrapped native (None if no pool path)."""
        if token.lower() == self.wrapped_native.lower():
            return Fraction(1)
        direct = _deepest_rate(book, self.wrapped_native, token)
        if direct is not None:
            return direct[0]
        # Through the stablecoin whose pool to `token` is deepest in USD.
        best: tuple[Fraction, Fraction] | None = None
        for stable in self._stables:
            first = _deepest_rate(book, self.wrapped_native, stable)
            second = _deepest_rate(book, stable, token)
            if first is None or second is None:
                continue
            depth_usd = second[1] / second[0] * self._stable_unit_usd[stable.lower()]
            if best is None or depth_usd > best[1]:
                best = (first[0] * second[0], depth_usd)
        return None if best is None else best[0]

    def native_in_token(self, amount_wei: int, token: str, book: PairBook) -> int | None:
        """`amount_wei` of the native coin in base units of `token` (rounded up: a cost)."""
        rate = self.native_rate(token, book)
        if rate is None:
            return None
        return -(-(amount_wei * rate.numerator) // rate.denominator)

    def unit_usd(self, token: str, book: PairBook) -> Fraction | None:
        """USD per base unit of `token` (None if it has no path to a stablecoin)."""
        stable = self._stable_unit_usd.get(token.lower())
        if stable is not None:
            return stable
        best: tuple[Fraction, Fraction] | None = None
        for stable_token in self._stables:
            found = _deepest_rate(book, token, stable_token)
            if found is None:
                continue
            unit = self._stable_unit_usd[stable_token.lower()]
            depth_usd = found[1] * unit
            if best is None or depth_usd > best[1]:
                best = (found[0] * unit, depth_usd)
        if best is not None:
            return best[0]
        if token.lower() == self.wrapped_native.lower():
            return None
        via_native = _deepest_rate(book, token, self.wrapped_native)
        native_usd = self.unit_usd(self.wrapped_native, book)
        if via_native is None or native_usd is None:
            return None
        return via_native[0] * native_usd

    def to_usd(self, amount: int, token: str, book: PairBook) -> float | None:
        """`amount` base units of `token` in USD, for display and ranking."""
        unit = self.unit_usd(token, book)
        return None if unit is None else float(amount * unit)

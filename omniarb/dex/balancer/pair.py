"""Two tokens of a Balancer pool as a `PoolState` (`omniarb.dex.base`): what the detector and
`omniarb quote` see of a multi-token pool, one pair at a time.

Every pair of a pool shares the pool's `address` (what the executor swaps through, what the
Vault's logs and the engine's in-flight guard name) and its state value (`pool`); its
`state_key` adds its two tokens, so the state stage and the detector keep each pair apart.
A pool that cannot pay anything now (paused, or not joined yet) has no depth to the screen.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, replace
from typing import ClassVar

from omniarb.dex.balancer.base_pool import BalancerPoolState
from omniarb.dex.balancer.errors import BalancerRevertError
from omniarb.dex.balancer.fixed_point import ONE
from omniarb.dex.balancer.stable_math import AMP_PRECISION
from omniarb.dex.balancer.stable_pool import STABLE_KIND, ComposableStablePoolState
from omniarb.dex.balancer.weighted_pool import WEIGHTED_KIND, WeightedPoolState
from omniarb.dex.base import PoolIdentity, PoolState

__all__ = ["BalancerPair", "StablePair", "WeightedPair", "fee_pips_of", "pair_key", "pair_views"]

# 1e18 is 100% of a swap fee percentage; 1e6 pips are 100%.
_PERCENTAGE_PER_PIP = 10**12
# WeightedMath._MAX_IN_RATIO as a float: no swap takes more than 30% of the balance in.
_MAX_IN_SHARE = 0.3
# Headroom on float-derived depths, so rounding in the float steps never understates them.
_DEPTH_MARGIN = 1.000001


def fee_pips_of(swap_fee_percentage: int) -> int:
    """The swap fee in pips, rounded up (never understated); exact for every fee that is a
    whole number of pips (any multiple of 1e12, which includes the 1e12 minimum)."""
    return -(-swap_fee_percentage // _PERCENTAGE_PER_PIP)


def _ordered(token_a: str, token_b: str) -> tuple[str, str]:
    return (token_a, token_b) if int(token_a, 16) < int(token_b, 16) else (token_b, token_a)


def pair_key(address: str, token_a: str, token_b: str) -> str:
    """The state key of the pair of `token_a` and `token_b` (either order) of pool `address`."""
    token0, token1 = _ordered(token_a, token_b)
    return f"{address}:{token0}:{token1}".lower()


def _at_block(pair: WeightedPair | StablePair) -> None:
    """Keep a pair's block and its pool's one: `replace(pair, block_number=n)` moves both."""
    if pair.pool.block_number != pair.block_number:
        object.__setattr__(pair, "pool", replace(pair.pool, block_number=pair.block_number))


def _no_depth(pool: BalancerPoolState, *balances: int) -> bool:
    """Whether the pool pays nothing at any size now: paused, or a side without a balance."""
    return pool.paused or min(balances) == 0


@dataclass(frozen=True, slots=True, kw_only=True)
class WeightedPair(PoolIdentity):
    """Tokens `token0` < `token1` (by address) of weighted pool `pool`. `factory` is the
    Vault, where the pool is registered and through which every swap goes."""

    kind: ClassVar[str] = WEIGHTED_KIND
    pool: WeightedPoolState
    block_number: int

    def __post_init__(self) -> None:
        _at_block(self)

    @classmethod
    def of(cls, pool: WeightedPoolState, token_a: str, token_b: str) -> WeightedPair:
        token0, token1 = _ordered(
            pool.tokens[pool.index(token_a)], pool.tokens[pool.index(token_b)]
        )
        return cls(
            chain_id=pool.chain_id,
            address=pool.address,
            dex=pool.dex,
            factory=pool.vault,
            token0=token0,
            token1=token1,
            pool=pool,
            block_number=pool.block_number,
        )

    @property
    def state_key(self) -> str:
        return pair_key(self.address, self.token0, self.token1)

    @property
    def fee_pips(self) -> int:
        return fee_pips_of(self.pool.swap_fee_percentage)

    def other(self, token: str) -> str:
        return (
            self.token1 if self.pool.index(token) == self.pool.index(self.token0) else self.token0
        )

    def amount_out(self, token_in: str, amount_in: int) -> int:
        """Exact output for `amount_in` of `token_in`; raises `BalancerRevertError` where the
        Vault would revert (beyond 30% of the balance in: BAL#304)."""
        return self.pool.amount_out(token_in, self.other(token_in), amount_in)

    def amount_in(self, token_out: str, amount_out: int) -> int:
        """Exact input for exactly `amount_out` of `token_out` (BAL#305 beyond 30%)."""
        return self.pool.amount_in(self.other(token_out), token_out, amount_out)

    def after_exact_input(self, token_in: str, amount_in: int) -> tuple[int, WeightedPair]:
        """(output, this pair after) of a Vault `GIVEN_IN` swap of `amount_in` of `token_in`:
        the pool's balances move by both amounts (every pair of the pool moves with it:
        `with_pool_of`)."""
        token_out = self.other(token_in)
        amount_out = self.pool.amount_out(token_in, token_out, amount_in)
        return amount_out, self._moved(token_in, token_out, amount_in, amount_out)

    def after_exact_output(self, token_out: str, amount_out: int) -> tuple[int, WeightedPair]:
        """(input, this pair after) of a Vault `GIVEN_OUT` swap buying `amount_out` of
        `token_out`."""
        token_in = self.other(token_out)
        amount_in = self.pool.amount_in(token_in, token_out, amount_out)
        return amount_in, self._moved(token_in, token_out, amount_in, amount_out)

    def _moved(
        self, token_in: str, token_out: str, amount_in: int, amount_out: int
    ) -> WeightedPair:
        # The swap's math checked the Vault's balance bounds already.
        pool = self.pool.after_swap(
            token_in=token_in,
            token_out=token_out,
            amount_in=amount_in,
            amount_out=amount_out,
            block_number=self.block_number,
        )
        return replace(self, pool=pool)

    def with_pool_of(self, view: PoolState) -> PoolState:
        """This pair over the pool state another pair of the same pool holds (`view`, after a
        swap through it); this state for a view of another pool."""
        if not isinstance(view, WeightedPair) or view.address != self.address:
            return self
        return replace(self, pool=view.pool, block_number=view.block_number)

    def constant_product(self, zero_for_one: bool) -> None:
        return None  # a constant product only for equal weights, and even then not to the wei

    def piecewise(self, zero_for_one: bool) -> None:
        return None  # no Möbius pieces bound the power curve yet: the detector screens it

    def _balances_weights(self) -> tuple[int, int, int, int]:
        pool = self.pool
        i, j = pool.index(self.token0), pool.index(self.token1)
        return (
            pool.balances[i],
            pool.balances[j],
            pool.normalized_weights[i],
            pool.normalized_weights[j],
        )

    def spot_price(self) -> float | None:
        """(balance1 / weight1) / (balance0 / weight0) in raw units, before fees."""
        balance0, balance1, weight0, weight1 = self._balances_weights()
        if balance0 == 0 or balance1 == 0:
            return None
        return (balance1 * weight0) / (balance0 * weight1)

    def screen_reserves(self) -> tuple[int, int]:
        """Reserves (X, Y) of a constant-product pool at the same spot price that pays at least
        as much as this pool for any input, in both directions.

        Selling token0 with r = w0/w1 and u = input/balance0 ≤ 0.3 (`_MAX_IN_RATIO`; larger
        inputs revert), the weighted pool pays p·balance0·(1 - (1 + u)^-r)/r and its marginal
        rate is p·(1 + u)^-(r+1); a constant-product pool with X = k·balance0 has marginal rate
        p·(1 + u/k)^-2. Marginal domination, which implies domination of the output, holds for
        every u ≥ 0 with k = 2/(r + 1) when r ≥ 1 (then (1 + u)^(r+1) ≥ (1 + (r+1)u/2)^2 by the
        binomial series), and up to u = 0.3 with k = 0.3/(1.3^((r+1)/2) - 1) when r < 1 (the
        bound u/((1+u)^((r+1)/2) - 1) increases in u). The other direction gives the same with
        1/r and balance1; X is the larger of the two requirements, Y = p·X. For a 50/50 pool this
        is (balance0, balance1): the pool's own curve, which the weighted math never beats.
        Both are rounded up to integers, which moves the stand-in's price by up to one part in
        the smaller reserve: the bound holds to that precision.
        """
        balance0, balance1, weight0, weight1 = self._balances_weights()
        if _no_depth(self.pool, balance0, balance1):
            return 0, 0
        ratio = weight0 / weight1
        depth0 = _depth_factor(ratio) * balance0
        # Y ≥ k'·balance1 with Y = p·X: X ≥ k'·balance1/p = k'·balance0·w1/w0.
        depth1_as0 = _depth_factor(1 / ratio) * balance0 * weight1 / weight0
        reserve0 = max(depth0, depth1_as0) * _DEPTH_MARGIN
        reserve1 = reserve0 * (balance1 * weight0) / (balance0 * weight1)
        return math.ceil(reserve0), math.ceil(reserve1)

    def swap_report(self, token_in: str, amount_in: int) -> dict[str, int]:
        return {"amount_out": self.amount_out(token_in, amount_in)}


def _depth_factor(ratio: float) -> float:
    """k with which a constant-product pool of depth k·balance dominates a weighted pool whose
    in/out weight ratio is `ratio` (see `WeightedPair.screen_reserves`)."""
    if ratio >= 1:
        return 2 / (ratio + 1)
    growth: float = (1 + _MAX_IN_SHARE) ** ((ratio + 1) / 2)
    return _MAX_IN_SHARE / (growth - 1)


@dataclass(frozen=True, slots=True, kw_only=True)
class StablePair(PoolIdentity):
    """Tokens `token0` < `token1` (by address, neither the BPT) of composable stable pool
    `pool`; `factory` is the Vault."""

    kind: ClassVar[str] = STABLE_KIND
    pool: ComposableStablePoolState
    block_number: int

    def __post_init__(self) -> None:
        _at_block(self)

    @classmethod
    def of(cls, pool: ComposableStablePoolState, token_a: str, token_b: str) -> StablePair:
        i, j = pool.index(token_a), pool.index(token_b)
        if pool.bpt_index in (i, j):
            raise ValueError(f"the BPT of {pool.address} is not one of its swap tokens")
        token0, token1 = _ordered(pool.tokens[i], pool.tokens[j])
        return cls(
            chain_id=pool.chain_id,
            address=pool.address,
            dex=pool.dex,
            factory=pool.vault,
            token0=token0,
            token1=token1,
            pool=pool,
            block_number=pool.block_number,
        )

    @property
    def state_key(self) -> str:
        return pair_key(self.address, self.token0, self.token1)

    @property
    def fee_pips(self) -> int:
        return fee_pips_of(self.pool.swap_fee_percentage)

    def other(self, token: str) -> str:
        return (
            self.token1 if self.pool.index(token) == self.pool.index(self.token0) else self.token0
        )

    def amount_out(self, token_in: str, amount_in: int) -> int:
        """Exact output for `amount_in` of `token_in`; raises `BalancerRevertError` where the
        Vault would revert."""
        return self.pool.amount_out(token_in, self.other(token_in), amount_in)

    def amount_in(self, token_out: str, amount_out: int) -> int:
        """Exact input for exactly `amount_out` of `token_out`."""
        return self.pool.amount_in(self.other(token_out), token_out, amount_out)

    def after_exact_input(self, token_in: str, amount_in: int) -> tuple[int, StablePair]:
        """(output, this pair after) of a Vault `GIVEN_IN` swap of `amount_in` of `token_in`:
        the pool's balances move by both amounts (every pair of the pool moves with it:
        `with_pool_of`)."""
        token_out = self.other(token_in)
        amount_out = self.pool.amount_out(token_in, token_out, amount_in)
        return amount_out, self._moved(token_in, token_out, amount_in, amount_out)

    def after_exact_output(self, token_out: str, amount_out: int) -> tuple[int, StablePair]:
        """(input, this pair after) of a Vault `GIVEN_OUT` swap buying `amount_out` of
        `token_out`."""
        token_in = self.other(token_out)
        amount_in = self.pool.amount_in(token_in, token_out, amount_out)
        return amount_in, self._moved(token_in, token_out, amount_in, amount_out)

    def _moved(self, token_in: str, token_out: str, amount_in: int, amount_out: int) -> StablePair:
        pool = self.pool.after_swap(
            token_in=token_in,
            token_out=token_out,
            amount_in=amount_in,
            amount_out=amount_out,
            block_number=self.block_number,
        )
        return replace(self, pool=pool)

    def with_pool_of(self, view: PoolState) -> PoolState:
        """This pair over the pool state another pair of the same pool holds (`view`, after a
        swap through it); this state for a view of another pool."""
        if not isinstance(view, StablePair) or view.address != self.address:
            return self
        return replace(self, pool=view.pool, block_number=view.block_number)

    def constant_product(self, zero_for_one: bool) -> None:
        return None

    def piecewise(self, zero_for_one: bool) -> None:
        return None  # no upper-bounding Möbius pieces of the StableSwap curve yet

    def _marginal(self) -> tuple[float, float, float]:
        """(upscaled x0, upscaled x1, d(out1)/d(in0)) on the StableSwap curve, others fixed.

        With Ann = A·n (Balancer's convention, `StableMath`) and P = D^(n+1)/(n^n ∏x), the
        invariant Ann(S - D) + D - P = 0 has ∂/∂x_k = Ann + P/x_k, so a marginal unit of x0
        buys (Ann + P/x0)/(Ann + P/x1) of x1."""
        pool = self.pool
        scaled = pool.scaled_balances
        n = len(scaled)
        m0 = pool.index(self.token0) - (pool.index(self.token0) > pool.bpt_index)
        m1 = pool.index(self.token1) - (pool.index(self.token1) > pool.bpt_index)
        ann = pool.amplification_parameter * n / AMP_PRECISION
        invariant = float(pool.invariant)
        p = invariant
        for balance in scaled:
            p *= invariant / (n * balance)
        x0, x1 = float(scaled[m0]), float(scaled[m1])
        return x0, x1, (ann + p / x0) / (ann + p / x1)

    def spot_price(self) -> float | None:
        """The marginal price of token0 in token1, raw units, before fees."""
        pool = self.pool
        if min(pool.scaled_balances, default=0) == 0 or isinstance(
            pool._invariant, BalancerRevertError
        ):
            return None
        _, _, rate = self._marginal()
        factor0 = pool.scaling_factors[pool.index(self.token0)]
        factor1 = pool.scaling_factors[pool.index(self.token1)]
        return rate * factor0 / factor1

    def screen_reserves(self) -> tuple[int, int]:
        """Reserves of a constant-product pool at the same spot price, deep enough to pay at
        least what this pool pays for any input in either direction: an upper bound that is
        tested (hypothesis, `tests/unit/dex/test_balancer_pair.py`), not proven.

        Why it holds: a StableSwap curve with amplification A (n tokens) is flatter near its
        price than a constant-product pool of depth ~ A·n·balance, and past the point where it
        would pay out its whole balance it pays almost nothing more. The stand-in is
        8·A·n + 2 times the larger of the two balances deep (in either token's terms), so its
        curvature is smaller than the StableSwap curve's at any balance, and beyond the knee
        it still pays more than the pool holds.
        """
        if isinstance(self.pool._invariant, BalancerRevertError):
            return 0, 0  # every swap reverts (BAL#321): the pool pays nothing at any size
        if _no_depth(self.pool, *self.pool.scaled_balances):
            return 0, 0
        x0, x1, rate = self._marginal()
        pool = self.pool
        amp = pool.amplification_parameter / AMP_PRECISION
        factor = (8 * amp * len(pool.scaled_balances) + 2) * _DEPTH_MARGIN
        depth0 = factor * max(x0, x1 / rate)
        factor0 = pool.scaling_factors[pool.index(self.token0)]
        factor1 = pool.scaling_factors[pool.index(self.token1)]
        reserve0 = depth0 * ONE / factor0
        reserve1 = depth0 * rate * ONE / factor1
        return math.ceil(reserve0), math.ceil(reserve1)

    def swap_report(self, token_in: str, amount_in: int) -> dict[str, int]:
        return {"amount_out": self.amount_out(token_in, amount_in)}


BalancerPair = WeightedPair | StablePair


def pair_views(pool: BalancerPoolState) -> tuple[BalancerPair, ...]:
    """Every pair of `pool`'s swap tokens (its BPT left out), as one `PoolState` each, in
    token order."""
    if isinstance(pool, ComposableStablePoolState):
        tokens = [t for k, t in enumerate(pool.tokens) if k != pool.bpt_index]
        return tuple(StablePair.of(pool, a, b) for a, b in itertools.combinations(tokens, 2))
    if isinstance(pool, WeightedPoolState):
        tokens = list(pool.tokens)
        return tuple(WeightedPair.of(pool, a, b) for a, b in itertools.combinations(tokens, 2))
    raise TypeError(f"no pair view of a {type(pool).__name__}")

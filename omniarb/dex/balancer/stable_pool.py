"""A Balancer V2 composable stable pool's state at one block, as an immutable value that
prices single swaps between its tokens (not its BPT) exactly as the Vault's `swap` and
`BalancerQueries.querySwap` do."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from omniarb.dex.balancer import stable_math
from omniarb.dex.balancer.base_pool import (
    BalancerPoolState,
    add_swap_fee_amount,
    downscale_down,
    downscale_up,
    subtract_swap_fee_amount,
    upscale,
)
from omniarb.dex.balancer.errors import BalancerRevertError

__all__ = ["STABLE_KIND", "ComposableStablePoolState"]

STABLE_KIND = "balancer-stable"


@dataclass(frozen=True, slots=True, kw_only=True)
class ComposableStablePoolState(BalancerPoolState):
    """A composable stable pool (v2-pool-stable `ComposableStablePool`): the common state, whose
    `tokens` include the pool's own BPT at `bpt_index` (its preminted balance in `balances`),
    plus `amplification_parameter` as `getAmplificationParameter` returns it (A · 1e3).

    `amp_is_updating`: the owner has started a gradual change of A, which then moves with each
    block's timestamp; the value here holds for `block_number` only, and a reader must re-read
    the pool at every block until `AmpUpdateStopped` or the end time.

    The upscaled balances without the BPT and their invariant are computed once per state (the
    pool computes the invariant in every swap; it depends only on those balances and A).
    """

    kind: ClassVar[str] = STABLE_KIND
    amplification_parameter: int
    bpt_index: int
    amp_is_updating: bool = False
    _scaled: tuple[int, ...] = field(init=False, repr=False, compare=False, default=())
    _invariant: int | BalancerRevertError = field(init=False, repr=False, compare=False, default=0)

    def __post_init__(self) -> None:
        scaled = tuple(
            upscale(balance, factor)
            for k, (balance, factor) in enumerate(
                zip(self.balances, self.scaling_factors, strict=True)
            )
            if k != self.bpt_index
        )
        invariant: int | BalancerRevertError
        try:
            invariant = stable_math.calculate_invariant(self.amplification_parameter, scaled)
        except BalancerRevertError as exc:
            invariant = exc
        object.__setattr__(self, "_scaled", scaled)
        object.__setattr__(self, "_invariant", invariant)

    @property
    def invariant(self) -> int:
        """`StableMath._calculateInvariant` of the upscaled balances (raises as the pool would)."""
        if isinstance(self._invariant, BalancerRevertError):
            raise self._invariant
        return self._invariant

    @property
    def scaled_balances(self) -> tuple[int, ...]:
        """The balances without the BPT, upscaled to 18 decimals (`_dropBptItem`)."""
        return self._scaled

    def _math_indices(
        self, token_in: str, token_out: str, amount: int
    ) -> tuple[int, int, int, int]:
        i, j = self._swap_indices(token_in, token_out, amount)
        if self.bpt_index in (i, j):
            raise ValueError(
                f"a swap with the BPT of {self.address} is a join or exit; only swaps between "
                "its tokens are priced here"
            )
        # `_skipBptIndex`: the math's indices skip the BPT.
        return i, j, i - (i > self.bpt_index), j - (j > self.bpt_index)

    def amount_out(self, token_in: str, token_out: str, amount_in: int) -> int:
        """What `Vault.swap` pays for exactly `amount_in` of `token_in` (GIVEN_IN).

        `BaseGeneralPool._swapGivenIn`: the fee taken off the input, the balances and the input
        upscaled, `ComposableStablePool._onRegularSwap` (`StableMath._calcOutGivenIn` at the
        current invariant), the output downscaled rounding down."""
        i, j, m_in, m_out = self._math_indices(token_in, token_out, amount_in)
        amount = upscale(
            subtract_swap_fee_amount(amount_in, self.swap_fee_percentage), self.scaling_factors[i]
        )
        scaled_out = stable_math.calc_out_given_in(
            self.amplification_parameter, self._scaled, m_in, m_out, amount, self.invariant
        )
        amount_out = downscale_down(scaled_out, self.scaling_factors[j])
        self._check_vault_balances(i, j, amount_in, amount_out)
        return amount_out

    def amount_in(self, token_in: str, token_out: str, amount_out: int) -> int:
        """What `Vault.swap` takes of `token_in` to pay exactly `amount_out` (GIVEN_OUT):
        `StableMath._calcInGivenOut` on upscaled values, downscaled rounding up, the fee added."""
        i, j, m_in, m_out = self._math_indices(token_in, token_out, amount_out)
        scaled_in = stable_math.calc_in_given_out(
            self.amplification_parameter,
            self._scaled,
            m_in,
            m_out,
            upscale(amount_out, self.scaling_factors[j]),
            self.invariant,
        )
        amount_in = add_swap_fee_amount(
            downscale_up(scaled_in, self.scaling_factors[i]), self.swap_fee_percentage
        )
        self._check_vault_balances(i, j, amount_in, amount_out)
        return amount_in

"""A Balancer V2 weighted pool's state at one block, as an immutable value that prices single
swaps exactly as the Vault's `swap` and `BalancerQueries.querySwap` do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from omniarb.dex.balancer import weighted_math
from omniarb.dex.balancer.base_pool import (
    BalancerPoolState,
    add_swap_fee_amount,
    downscale_down,
    downscale_up,
    subtract_swap_fee_amount,
    upscale,
)

__all__ = ["WEIGHTED_KIND", "WeightedPoolState"]

WEIGHTED_KIND = "balancer-weighted"


@dataclass(frozen=True, slots=True, kw_only=True)
class WeightedPoolState(BalancerPoolState):
    """A weighted pool (v2-pool-weighted `WeightedPool`, any version): the common state plus
    `normalized_weights` (`getNormalizedWeights`, 1e18 = 100%, in token order)."""

    kind: ClassVar[str] = WEIGHTED_KIND
    normalized_weights: tuple[int, ...]

    def amount_out(self, token_in: str, token_out: str, amount_in: int) -> int:
        """What `Vault.swap` pays for exactly `amount_in` of `token_in` (GIVEN_IN).

        `BaseMinimalSwapInfoPool.onSwap`: balances upscaled, the fee taken off the input before
        it is upscaled, `WeightedMath._calcOutGivenIn`, the output downscaled rounding down.
        Raises `BalancerRevertError` where the Vault or pool reverts (BAL#304 beyond 30%)."""
        i, j = self._swap_indices(token_in, token_out, amount_in)
        scaling_in, scaling_out = self.scaling_factors[i], self.scaling_factors[j]
        balance_in = upscale(self.balances[i], scaling_in)
        balance_out = upscale(self.balances[j], scaling_out)
        amount = upscale(subtract_swap_fee_amount(amount_in, self.swap_fee_percentage), scaling_in)
        scaled_out = weighted_math.calc_out_given_in(
            balance_in, self.normalized_weights[i], balance_out, self.normalized_weights[j], amount
        )
        amount_out = downscale_down(scaled_out, scaling_out)
        self._check_vault_balances(i, j, amount_in, amount_out)
        return amount_out

    def amount_in(self, token_in: str, token_out: str, amount_out: int) -> int:
        """What `Vault.swap` takes of `token_in` to pay exactly `amount_out` of `token_out`
        (GIVEN_OUT): `WeightedMath._calcInGivenOut` on upscaled values, downscaled rounding up,
        then the fee added (`_addSwapFeeAmount`). BAL#305 beyond 30% of the balance out."""
        i, j = self._swap_indices(token_in, token_out, amount_out)
        scaling_in, scaling_out = self.scaling_factors[i], self.scaling_factors[j]
        balance_in = upscale(self.balances[i], scaling_in)
        balance_out = upscale(self.balances[j], scaling_out)
        scaled_in = weighted_math.calc_in_given_out(
            balance_in,
            self.normalized_weights[i],
            balance_out,
            self.normalized_weights[j],
            upscale(amount_out, scaling_out),
        )
        amount_in = add_swap_fee_amount(
            downscale_up(scaled_in, scaling_in), self.swap_fee_percentage
        )
        self._check_vault_balances(i, j, amount_in, amount_out)
        return amount_in

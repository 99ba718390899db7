"""The gas of one trade through the executor contract, from its shape.

    gas = base + v2_hop·(V2 hops) + v3_hop·(V3 hops) + v3_route·(1 if any V3 hop)
          + tick_cross·(initialized ticks crossed)
          + the loan's extra gas (0 for a V2 flash swap from the route's own first pair)

A route through V3 pools pays once for what the first V3 hop sets up (the swap callback's
path through the contract), after which a V3 hop costs about what a V2 hop does; every
initialized tick a swap crosses writes that tick's accumulators. Where the capital comes from
also costs gas: a route whose first hop is a V2 pair borrows from that pair for free (the flash
swap is the hop); any other loan pays for the lender's own call and bookkeeping. The detector
prices a route with the cheapest loan it could take (`assumed_loan_gas`); the allocator, which
picks the lender for real, swaps that assumption for its choice. The constants are measured by
`benchmarks/execute.py` and rounded up, so a net profit is never overstated.
"""

from __future__ import annotations

from dataclasses import dataclass

from omniarb.types import FlashLoan

__all__ = ["GasModel"]


@dataclass(frozen=True, slots=True, kw_only=True)
class GasModel:
    """Gas of a cycle through the executor; the defaults are placeholders to be calibrated.

    The `*_loan_gas` fields are each lender's extra gas over a V2 flash swap from the route's
    own pair: a pair outside the route, the Balancer V2 Vault, Aave V3, a V3 pool's `flash`.
    """

    base_gas: int = 60_000
    per_hop_gas: int = 45_000  # a Uniswap V2 hop
    v3_hop_gas: int = 90_000
    v3_route_gas: int = 0  # once for a route with any V3 hop
    v3_tick_cross_gas: int = 30_000
    v3_step_gas: int = 0  # a V3 swap step that ends at a bitmap-word edge, no tick crossed
    v2_pair_loan_gas: int = 100_000
    balancer_loan_gas: int = 40_000
    aave_loan_gas: int = 130_000
    v3_flash_loan_gas: int = 70_000

    def hops_gas(
        self, v2_hops: int, v3_hops: int = 0, *, ticks_crossed: int = 0, extra_steps: int = 0
    ) -> int:
        """The gas of the swaps and the contract's fixed cost, with a free loan."""
        return (
            self.base_gas
            + self.per_hop_gas * v2_hops
            + self.v3_hop_gas * v3_hops
            + (self.v3_route_gas if v3_hops else 0)
            + self.v3_tick_cross_gas * ticks_crossed
            + self.v3_step_gas * extra_steps
        )

    def loan_gas(self, loan: FlashLoan) -> int:
        """The extra gas of borrowing through `loan` (none for the route's own opening pair)."""
        match loan:
            case FlashLoan.OWN_PAIR:
                return 0
            case FlashLoan.V2_PAIR:
                return self.v2_pair_loan_gas
            case FlashLoan.V3_POOL:
                return self.v3_flash_loan_gas
            case FlashLoan.BALANCER_V2:
                return self.balancer_loan_gas
            case FlashLoan.AAVE_V3:
                return self.aave_loan_gas

    @property
    def external_loan_gas(self) -> int:
        """The cheapest loan from outside the route, in extra gas."""
        return min(
            self.v2_pair_loan_gas,
            self.balancer_loan_gas,
            self.aave_loan_gas,
            self.v3_flash_loan_gas,
        )

    def assumed_loan_gas(self, *, first_hop_v2: bool) -> int:
        """The loan gas the detector assumes: none when the first hop is a V2 pair (it lends
        the input for free), else the cheapest outside lender's."""
        return 0 if first_hop_v2 else self.external_loan_gas

    def estimate(
        self,
        v2_hops: int,
        v3_hops: int = 0,
        *,
        ticks_crossed: int = 0,
        extra_steps: int = 0,
        first_hop_v2: bool = True,
    ) -> int:
        """The detector's estimate: the hops, the crossings, the extra steps, the assumed loan."""
        return self.hops_gas(
            v2_hops, v3_hops, ticks_crossed=ticks_crossed, extra_steps=extra_steps
        ) + (self.assumed_loan_gas(first_hop_v2=first_hop_v2))

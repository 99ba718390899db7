"""The gas of one trade through the executor contract, from its shape.

    gas = base + Σ over hops (the hop's kind: hop + crossing·crossings + step·extra steps
                             + native, where the hop unwraps or wraps the native coin)
          + Σ over the kinds present (that kind's route gas, once; kinds of one route group
            pay the largest of theirs once)
          + the loan's extra gas (0 for a flash swap from the route's own opening pool)
          + the bribe's gas, when the trade pays the block's coinbase a share of its profit

Each kind's figures are its adapter's `hop_gas` (`omniarb.dex.base.HopGas`): a Uniswap V2 hop
is one fixed cost; a route through V3 pools pays once for what the first V3 hop sets up (the
swap callback's path through the contract), after which a V3 hop costs about what a V2 hop
does, and every initialized tick a swap crosses writes that tick's accumulators. A hop through
a pool of the native coin itself (a Uniswap V4 pool's currency 0) costs its kind's native gas
more: the executor unwraps the wrapped token into the pool, or wraps what it pays. Where the
capital comes from also costs gas: a route whose opening pool lends by flash swap borrows for
free (the flash swap is the hop); any other loan pays for the lender's own call and
bookkeeping. The detector prices a route with the cheapest loan it could take
(`assumed_loan_gas`); the allocator, which picks the lender for real, swaps that assumption
for its choice. The figures are measured by `benchmarks/execute.py` and rounded up, so a net
profit is never overstated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from omniarb.dex.base import HopGas
from omniarb.dex.registry import ADAPTERS
from omniarb.types import FlashLoan, Hop

__all__ = ["BRIBE_GAS", "GasModel", "HopWork", "RouteGas"]

# What the executor's bribed entry (`executeAndPayCoinbase`, `omniarb.execute.bribe`) costs
# over `execute` of the same plan when it pays a bribe: 20,811 to 20,817 gas measured on the
# devnet over every flash source and cycle (the registry read, WETH9 `withdraw` of the bribe
# and its native transfer back, the `BribePaid` log, the value call to the coinbase, the lock,
# the extra calldata word), rounded up. It assumes the coinbase account exists, as a builder's
# fee recipient does: a value call to an empty account costs 25,000 more (EIP-161).
BRIBE_GAS = 21_000


@dataclass(frozen=True, slots=True, kw_only=True)
class HopWork:
    """What one hop of a trade does: its pool's kind, the initialized ticks (or bins) its swap
    crosses, its other extra steps (a V3 bitmap-word edge reached without a crossing), and
    whether the executor unwraps or wraps the native coin for it (`Hop.wraps`)."""

    kind: str
    crossings: int = 0
    steps: int = 0
    wraps: bool = False

    @classmethod
    def of(cls, hop: Hop, *, crossings: int = 0, steps: int = 0) -> HopWork:
        """The work of `hop` with that many crossings and extra steps."""
        return cls(kind=hop.kind, crossings=crossings, steps=steps, wraps=hop.wraps)


@dataclass(frozen=True, slots=True)
class RouteGas:
    """A route's estimate with its kinds fixed, for the hot path: `fixed` is everything but
    the work its swaps do (the contract, the hops, the kinds' route gas, the assumed loan), and
    each hop's gas per crossing and per extra step."""

    fixed: int
    crossing_gas: tuple[int, ...]
    step_gas: tuple[int, ...]

    def total(self, work: Sequence[tuple[int, int]] | None = None) -> int:
        """The estimate for `work` (per hop: crossings, extra steps; None: no extra work)."""
        if work is None:
            return self.fixed
        extra = 0
        for (crossings, steps), crossing_gas, step_gas in zip(
            work, self.crossing_gas, self.step_gas, strict=True
        ):
            extra += crossings * crossing_gas + steps * step_gas
        return self.fixed + extra


def _adapters_hop_gas() -> dict[str, HopGas]:
    return {kind: adapter.hop_gas for kind, adapter in ADAPTERS.items()}


@dataclass(frozen=True, slots=True, kw_only=True)
class GasModel:
    """Gas of a cycle through the executor: the contract's fixed cost, each kind's hop gas
    (default: the adapters' measured figures) and each lender's extra gas over a free flash
    swap from the route's own opening pool."""

    base_gas: int = 60_000
    hop_gas: Mapping[str, HopGas] = field(default_factory=_adapters_hop_gas)
    v2_pair_loan_gas: int = 100_000
    balancer_loan_gas: int = 40_000
    aave_loan_gas: int = 130_000
    v3_flash_loan_gas: int = 70_000
    algebra_flash_loan_gas: int = 70_000
    # A Uniswap V4 PoolManager's loan (`unlock`, `take`, then `sync`/transfer/`settle`, or
    # netted against a final V4 hop): measured through the executor 18,432 and 11,195 gas over
    # a flash swap from the route's first pair (V2 → V3 and V2 → V2 → V3 cycles), 14,957 and
    # 15,181 below the Vault's loan of the same cycles, and 11,670 below it on cycles opening
    # with a V3 pool (tests/integration/execute/test_executor_v4.py); priced 11,000 below the
    # Vault's 40,000.
    v4_flash_loan_gas: int = 29_000
    # No loan: the executor's own balance of the start token (plan source 5). Measured over
    # the flash swap from the route's own first pair (benchmarks/execute.py): +2,140 gas on
    # the all-V2 cycle (whose flash swap path is the most tuned), -3,747 on the V2 → V3 cycle
    # and -9,012 on its V3-first rotation (against the rotation's flash swap), 28,425 to
    # 37,437 below the Vault's loan of the same cycles; priced at the largest, rounded up, so
    # it never looks cheaper than it is. The allocator keeps the free flash swap for routes
    # that open with a pair (no inventory tied up).
    inventory_gas: int = 3_000
    # Paying a bribe to the block's coinbase (BRIBE_GAS); the execute stage adds it to a
    # bribed trade's gas.
    bribe_gas: int = BRIBE_GAS

    def hops_gas(self, hops: Sequence[HopWork]) -> int:
        """The gas of the swaps and the contract's fixed cost, with a free loan."""
        total = self.base_gas
        # Once a route per kind, or per group of kinds that set up the same thing (the
        # largest of the group's route gas).
        route: dict[str, int] = {}
        for kind in dict.fromkeys(hop.kind for hop in hops):
            gas = self.hop_gas[kind]
            group = gas.route_group or kind
            route[group] = max(route.get(group, 0), gas.route_gas)
        total += sum(route.values())
        for hop in hops:
            gas = self.hop_gas[hop.kind]
            total += gas.hop_gas + gas.crossing_gas * hop.crossings + gas.step_gas * hop.steps
            if hop.wraps:
                total += gas.native_gas
        return total

    def route(self, hops: Sequence[HopWork]) -> RouteGas:
        """The estimate of a route of `hops` (in order; their crossings and steps are left to
        `RouteGas.total`); the loan assumed is free when the opening pool's kind lends by flash
        swap."""
        plain = [HopWork(kind=hop.kind, wraps=hop.wraps) for hop in hops]
        gas = [self.hop_gas[hop.kind] for hop in hops]
        free_loan = ADAPTERS[hops[0].kind].flash_swap_hop
        return RouteGas(
            fixed=self.estimate(plain, free_loan=free_loan),
            crossing_gas=tuple(g.crossing_gas for g in gas),
            step_gas=tuple(g.step_gas for g in gas),
        )

    def loan_gas(self, loan: FlashLoan) -> int:
        """The extra gas of borrowing through `loan` (none for the route's own opening pool)."""
        match loan:
            case FlashLoan.OWN_PAIR:
                return 0
            case FlashLoan.V2_PAIR:
                return self.v2_pair_loan_gas
            case FlashLoan.V3_POOL:
                return self.v3_flash_loan_gas
            case FlashLoan.ALGEBRA_POOL:
                return self.algebra_flash_loan_gas
            case FlashLoan.BALANCER_V2:
                return self.balancer_loan_gas
            case FlashLoan.AAVE_V3:
                return self.aave_loan_gas
            case FlashLoan.V4_POOL_MANAGER:
                return self.v4_flash_loan_gas
            case FlashLoan.INVENTORY:
                return self.inventory_gas

    @property
    def external_loan_gas(self) -> int:
        """The cheapest loan from outside the route, in extra gas."""
        return min(
            self.v2_pair_loan_gas,
            self.balancer_loan_gas,
            self.aave_loan_gas,
            self.v3_flash_loan_gas,
            self.algebra_flash_loan_gas,
            self.v4_flash_loan_gas,
        )

    def assumed_loan_gas(self, *, free_loan: bool) -> int:
        """The loan gas the detector assumes: none when the opening pool lends the input by
        flash swap (`free_loan`), else the cheapest outside lender's."""
        return 0 if free_loan else self.external_loan_gas

    def estimate(self, hops: Sequence[HopWork], *, free_loan: bool = True) -> int:
        """The detector's estimate: the hops, their crossings and extra steps, the assumed
        loan."""
        return self.hops_gas(hops) + self.assumed_loan_gas(free_loan=free_loan)

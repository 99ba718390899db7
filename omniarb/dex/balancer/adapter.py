"""Balancer V2 weighted and composable stable pools as adapters (`omniarb.dex.base.DexAdapter`).

Both kinds are swapped the same way: a hop of kind byte 4 (`KIND_BALANCER`) is one
`Vault.swap` (GIVEN_IN, funds from and to the executor or straight to the next pair), the
pool's id read from the pool (`getPoolId`), the Vault registered in the executor with the mark
`BALANCER_VAULT_MARK` in place of an init code hash: Balancer pools are CREATE-deployed by their
factories, so no address proves them, and the Vault pulls only the amount the hop names (the
executor's profit check guards the rest). The Vault locks itself while it swaps and while it
lends (one reentrancy guard, BAL#400), so it cannot lend to a route through its pools
(`locked_lenders`), and a pool outside a route lends through the Vault only (the manifest's
`balancer-v2` lender): its `pool_loan`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import BALANCER_VAULT_MARK
from omniarb.dex.balancer.book import BalancerBook
from omniarb.dex.balancer.events import STATE_TOPICS, WEIGHTED_STATE_TOPICS
from omniarb.dex.balancer.stable_pool import STABLE_KIND
from omniarb.dex.balancer.weighted_pool import WEIGHTED_KIND
from omniarb.dex.base import DexDeployment, HopGas
from omniarb.types import FlashLoan

__all__ = ["STABLE", "STABLE_HOP_GAS", "WEIGHTED", "WEIGHTED_HOP_GAS", "BalancerAdapter"]

# Measured through the executor on the devnet (`benchmarks/execute.py`, `_execute_balancer.py`:
# cycles opening with a seasoned V2 pair, each trade the executor's first in its start token):
# the Balancer part of V2 → weighted 95,090 gas, V2 → weighted → weighted 175,592, V2 → stable
# 146,669, V2 → stable → weighted 218,765. Each hop approves the Vault for exactly its input
# (issue #19: no standing allowance), 0 → amount → 0 within the trade: a route with one
# Balancer hop pays 2,349 gas more than with the old standing allowance, one with two ~28,800
# more (measured: `benchmarks/execute.py`). Fitted additively: a weighted hop
# 82,655, the stable pool of three tokens 134,234 (its Newton iterations vary with the balances:
# priced ~6,000 above, as before), and the Vault's route gas, once a route whatever the kinds,
# 12,435. Priced 83,000 / 140,000 a hop and 13,000 once a route: one route group.
_ROUTE_GROUP = "balancer-v2-vault"
_ROUTE_GAS = 13_000
WEIGHTED_HOP_GAS = HopGas(hop_gas=83_000, route_gas=_ROUTE_GAS, route_group=_ROUTE_GROUP)
STABLE_HOP_GAS = HopGas(hop_gas=140_000, route_gas=_ROUTE_GAS, route_group=_ROUTE_GROUP)


@dataclass(frozen=True, slots=True, kw_only=True)
class BalancerAdapter:
    """One kind of Balancer V2 pool (`kind`, with its hops' `hop_gas` and the events that
    change what its swaps read, `state_topics`)."""

    kind: str
    hop_gas: HopGas
    state_topics: frozenset[str]
    hop_kind: int = 4  # KIND_BALANCER
    pool_loan: FlashLoan = FlashLoan.BALANCER_V2
    reference_init_code_hash: str = BALANCER_VAULT_MARK
    locked_lenders: frozenset[FlashLoan] = frozenset({FlashLoan.BALANCER_V2})
    flash_swap_hop: bool = False  # the Vault takes the input before it pays out
    fee_per_pool: bool = True

    def book(
        self, *, rpc: RpcClient, chain_id: int, dexes: Sequence[DexDeployment]
    ) -> BalancerBook:
        return BalancerBook(kind=self.kind, rpc=rpc, chain_id=chain_id, dexes=dexes)


WEIGHTED = BalancerAdapter(
    kind=WEIGHTED_KIND, hop_gas=WEIGHTED_HOP_GAS, state_topics=WEIGHTED_STATE_TOPICS
)
STABLE = BalancerAdapter(kind=STABLE_KIND, hop_gas=STABLE_HOP_GAS, state_topics=STATE_TOPICS)

"""The gas model's route gas: once per kind a route holds, and once per group of kinds that
set up the same thing (Balancer's weighted and stable pools, both swapped through the Vault),
at the largest of the group's figures."""

from __future__ import annotations

from omniarb.dex.registry import adapter
from omniarb.gas import GasModel, HopWork
from omniarb.types import FlashLoan

WEIGHTED = "balancer-weighted"
STABLE = "balancer-stable"


def test_balancer_kinds_pay_the_vaults_route_gas_once() -> None:
    model = GasModel(base_gas=6_000)
    weighted, stable = adapter(WEIGHTED).hop_gas, adapter(STABLE).hop_gas
    assert weighted.route_group is not None
    assert weighted.route_group == stable.route_group
    both = model.hops_gas([HopWork(kind=WEIGHTED), HopWork(kind=STABLE)])
    assert both == 6_000 + weighted.hop_gas + stable.hop_gas + max(
        weighted.route_gas, stable.route_gas
    )
    two_weighted = model.hops_gas([HopWork(kind=WEIGHTED), HopWork(kind=WEIGHTED)])
    assert two_weighted == 6_000 + 2 * weighted.hop_gas + weighted.route_gas


def test_kinds_without_a_group_each_pay_their_own_route_gas() -> None:
    model = GasModel(base_gas=6_000)
    v3, algebra = adapter("uniswap-v3").hop_gas, adapter("algebra-integral").hop_gas
    assert v3.route_group is None
    assert algebra.route_group is None
    gas = model.hops_gas(
        [HopWork(kind="uniswap-v3"), HopWork(kind="algebra-integral"), HopWork(kind=WEIGHTED)]
    )
    weighted = adapter(WEIGHTED).hop_gas
    assert gas == (
        6_000
        + v3.hop_gas
        + v3.route_gas
        + algebra.hop_gas
        + algebra.route_gas
        + weighted.hop_gas
        + weighted.route_gas
    )


def test_a_route_opening_with_a_balancer_pool_assumes_an_outside_loan() -> None:
    model = GasModel(base_gas=6_000)
    route = model.route([HopWork(kind=WEIGHTED), HopWork(kind="uniswap-v2")])
    assert route.fixed == model.estimate(
        [HopWork(kind=WEIGHTED), HopWork(kind="uniswap-v2")], free_loan=False
    )
    assert (
        route.fixed - model.hops_gas([HopWork(kind=WEIGHTED), HopWork(kind="uniswap-v2")])
        == model.external_loan_gas
    )


def test_inventory_costs_its_own_gas_and_never_lowers_the_detectors_assumption() -> None:
    model = GasModel(inventory_gas=3_000, balancer_loan_gas=40_000)
    assert model.loan_gas(FlashLoan.INVENTORY) == 3_000
    # The detector prices a route with the cheapest outside loan, not with inventory: the
    # executor may hold none of the start token.
    assert model.external_loan_gas == min(
        model.loan_gas(loan)
        for loan in FlashLoan
        if loan not in (FlashLoan.OWN_PAIR, FlashLoan.INVENTORY)
    )

"""The allocator's capital choice between a flash loan and the executor's own inventory, on a
real detector's opportunity (a V3 → V3 cycle from WETH after a whale's swap: no pool of the
route lends by flash swap) with its exact re-sizing, and lenders and balances as plain values.

What is checked: inventory is taken only when it keeps more than the cheapest loan (no fee, its
gas); every cap (the share of what is held, the token's cap, the chain's USD budget, what other
trades reserved) bounds the amount traded from inventory, and a trade above a cap is re-sized
exactly (its output is what the pools pay) or funded by a loan; reservations keep two trades
from spending the same tokens until one is released.
"""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from detect._mixed_world import WETH, Pool, simulate
from detect.test_detector_bracket import opaque_v3
from detect.test_detector_mixed import BASE_FEE_WEI, detector, legs_of, v2_world, v3_world, whale

from omniarb.allocate import FlashLoanAllocator, Inventory, InventoryCaps, Lender, LenderBook
from omniarb.chains.rpc import RpcClient
from omniarb.detect.detector import CycleDetector
from omniarb.gas import GasModel
from omniarb.types import Decision, FlashLoan, Opportunity

EXECUTOR = "0x" + "e0" * 20
VAULT = "0x" + "ba" * 20
AAVE_POOL = "0x" + "aa" * 20
A_WETH = "0x" + "ae" * 20
# No node: every balance the allocator asks for is in `Balances` (a read would fail loudly).
NO_NODE = "http://127.0.0.1:9"


class Balances:
    """Balances from memory, as `LenderBalances.balance` answers them."""

    def __init__(self, held: dict[tuple[str, str], int]) -> None:
        self.held = {(t.lower(), h.lower()): v for (t, h), v in held.items()}

    def balance(self, token: str, holder: str) -> int | None:
        return self.held.get((token.lower(), holder.lower()))


def world() -> tuple[CycleDetector, Opportunity, dict[str, Pool]]:
    """The detector and its best V3 → V3 opportunity from WETH, with the pools' states."""
    v3 = v3_world()
    moved = opaque_v3(whale(v3[0], WETH, 300_000))
    d = detector()
    d.apply([*v2_world(), opaque_v3(v3[0]), *v3[1:]])
    found = d.detect_states([moved], block_number=2, base_fee_wei=BASE_FEE_WEI)
    best = max(
        (o for o in found if all(h.kind == "uniswap-v3" for h in o.route.hops)),
        key=lambda o: o.net_profit,
    )
    assert best.route.token_in == WETH
    states: dict[str, Pool] = {p.address: p for p in [*v2_world(), moved, *v3[1:]]}
    return d, best, states


def lenders(gas: GasModel, *, aave: bool = True, vault: bool = True) -> list[Lender]:
    found = []
    if vault:
        found.append(
            Lender(
                kind=FlashLoan.BALANCER_V2,
                token=WETH,
                address=VAULT,
                holder=VAULT,
                fee_pips=0,
                extra_gas=gas.loan_gas(FlashLoan.BALANCER_V2),
            )
        )
    if aave:
        found.append(
            Lender(
                kind=FlashLoan.AAVE_V3,
                token=WETH,
                address=AAVE_POOL,
                holder=A_WETH,
                fee_pips=500,  # 5 bps
                extra_gas=gas.loan_gas(FlashLoan.AAVE_V3),
            )
        )
    return found


def decision_for(opportunity: Opportunity) -> Decision:
    return Decision(
        opportunity=opportunity,
        approved=True,
        reasons=("net profit clears gas and the floor",),
        amount_in=opportunity.amount_in,
        min_profit=0,
        p_success=1.0,
        expected_value_usd=opportunity.net_profit_usd,
        bribe_wei=0,
        flash_source=None,
        decided_ns=1,
    )


def allocator(
    d: CycleDetector,
    *,
    held: int | None,
    caps: InventoryCaps | None = None,
    gas: GasModel | None = None,
    aave: bool = True,
    vault: bool = True,
    lent: int = 10**30,
) -> tuple[FlashLoanAllocator, Inventory | None]:
    gas = gas or GasModel()
    balances = {(WETH, VAULT): lent, (WETH, A_WETH): lent}
    if held is not None:
        balances[(WETH, EXECUTOR)] = held
    view = Balances(balances)
    inventory = None if held is None else Inventory(executor=EXECUTOR, balances=view, caps=caps)
    book = LenderBook(RpcClient(NO_NODE), lenders(gas, aave=aave, vault=vault))
    alloc = FlashLoanAllocator(
        book=book, gas_model=gas, resize=d.resize_for_loan, balances=view, inventory=inventory
    )
    return alloc, inventory


def kept(decision: Decision, gas: GasModel, hops_gas: int) -> int:
    """What the trade keeps after the fee and all its gas, in the start token."""
    o = decision.opportunity
    cost = -(-o.gas_in_token * (hops_gas + gas.loan_gas(decision.flash_source)) // o.gas_estimate)
    return o.gross_profit - decision.flash_fee - cost


# ---------------------------------------------------------------------------- the choice


async def test_without_inventory_the_cheapest_loan_is_taken() -> None:
    d, best, _ = world()
    alloc, _ = allocator(d, held=None)
    decided = await alloc.process(decision_for(best))
    assert decided.approved
    assert decided.flash_source is FlashLoan.BALANCER_V2
    assert decided.reasons == ("net profit clears gas and the floor",)


async def test_inventory_that_covers_the_trade_beats_every_loan() -> None:
    d, best, _ = world()
    gas = GasModel()
    alloc, inventory = allocator(d, held=best.amount_in, gas=gas)
    assert inventory is not None
    decided = await alloc.process(decision_for(best))
    assert decided.approved
    assert decided.flash_source is FlashLoan.INVENTORY
    assert decided.flash_pool is None
    assert decided.flash_fee == 0
    assert decided.amount_in == best.amount_in  # the detector's size: nothing to re-size for
    assert decided.opportunity == best
    hops_gas = best.gas_estimate - gas.external_loan_gas
    assert decided.gas_estimate == hops_gas + gas.inventory_gas
    assert "capital: inventory" in decided.reasons[-1]
    assert "balancer-v2" in decided.reasons[-1]
    # The on-chain floor is the whole trade's gas in the start token: a losing trade reverts.
    assert decided.min_profit == -(-best.gas_in_token * decided.gas_estimate // best.gas_estimate)
    assert inventory.reserved(WETH) == best.amount_in


async def test_a_loan_cheaper_than_inventory_is_taken() -> None:
    """The Vault lends for free: priced with less gas than the inventory path, it wins, and the
    inventory is left untouched."""
    d, best, _ = world()
    gas = GasModel(inventory_gas=45_000, balancer_loan_gas=40_000)
    alloc, inventory = allocator(d, held=10 * best.amount_in, gas=gas)
    assert inventory is not None
    decided = await alloc.process(decision_for(best))
    assert decided.flash_source is FlashLoan.BALANCER_V2
    assert decided.reasons[-1].startswith("capital: balancer-v2 (keeps ")
    assert decided.reasons[-1].endswith(" more than inventory)")
    assert inventory.reserved(WETH) == 0


async def test_a_short_inventory_is_resized_exactly_when_that_keeps_more_than_a_loan() -> None:
    d, best, states = world()
    gas = GasModel()
    hops_gas = best.gas_estimate - gas.external_loan_gas
    # Aave alone (5 bps) against an inventory of 99% of the detector's size: the small cut
    # costs less than the premium, so the inventory wins, re-sized under the cap.
    alloc, _ = allocator(d, held=best.amount_in * 99 // 100, gas=gas, vault=False)
    decided = await alloc.process(decision_for(best))
    assert decided.flash_source is FlashLoan.INVENTORY
    assert decided.amount_in <= best.amount_in * 99 // 100
    assert decided.opportunity.amount_out == simulate(
        decided.amount_in, legs_of(decided.opportunity, states)
    )
    loan, _ = allocator(d, held=None, gas=gas, vault=False)
    with_aave = await loan.process(decision_for(best))
    assert with_aave.flash_source is FlashLoan.AAVE_V3
    assert kept(decided, gas, hops_gas) > kept(with_aave, gas, hops_gas)
    # An inventory of a tenth of the size keeps far less than Aave's loan of the whole.
    alloc, inventory = allocator(d, held=best.amount_in // 10, gas=gas, vault=False)
    assert inventory is not None
    decided = await alloc.process(decision_for(best))
    assert decided.flash_source is FlashLoan.AAVE_V3
    assert "more than inventory" in decided.reasons[-1]
    assert inventory.reserved(WETH) == 0
    # No inventory of the token at all: the loan, and the reason inventory was not used.
    alloc, _ = allocator(d, held=0, gas=gas, vault=False)
    decided = await alloc.process(decision_for(best))
    assert decided.flash_source is FlashLoan.AAVE_V3
    assert decided.reasons[-1] == "capital: aave-v3 (no inventory to spare (0 free of 0 held))"


async def test_with_neither_a_loan_nor_inventory_the_trade_is_declined_with_both_reasons() -> None:
    d, best, _ = world()
    alloc, _ = allocator(d, held=0, aave=False, vault=False)
    decided = await alloc.process(decision_for(best))
    assert not decided.approved
    (reason,) = decided.reasons
    assert "no flash lender" in reason
    assert "no inventory to spare" in reason


# ---------------------------------------------------------------------------- caps and reservations


async def test_reservations_keep_two_trades_from_spending_the_same_tokens() -> None:
    d, best, states = world()
    held = best.amount_in * 3 // 2
    alloc, inventory = allocator(d, held=held, aave=False, vault=False)
    assert inventory is not None
    first = await alloc.process(decision_for(best))
    assert first.flash_source is FlashLoan.INVENTORY
    assert first.amount_in == best.amount_in
    # The same gap decided again before the first trade settles: only what is left is free.
    second = await alloc.process(decision_for(replace(best, id="again")))
    assert second.flash_source is FlashLoan.INVENTORY
    assert second.amount_in <= held - best.amount_in
    assert second.opportunity.amount_out == simulate(
        second.amount_in, legs_of(second.opportunity, states)
    )
    assert inventory.reserved(WETH) == first.amount_in + second.amount_in <= held
    third = await alloc.process(decision_for(replace(best, id="third")))
    assert not third.approved  # nothing left, and no lender
    assert inventory.reserved(WETH) == first.amount_in + second.amount_in
    alloc.release(first)
    assert inventory.reserved(WETH) == second.amount_in
    again = await alloc.process(decision_for(replace(best, id="fourth")))
    assert again.flash_source is FlashLoan.INVENTORY
    assert again.amount_in == best.amount_in
    alloc.release(second)
    alloc.release(again)
    assert inventory.reserved(WETH) == 0
    assert inventory.trades_in_flight == 0
    assert inventory.in_flight_usd == 0
    # A loan's decision holds no inventory: releasing it changes nothing.
    alloc.release(replace(first, flash_source=FlashLoan.BALANCER_V2))
    assert inventory.reserved(WETH) == 0


async def test_the_allocator_respects_every_cap() -> None:
    d, best, states = world()
    usd_per_unit = best.net_profit_usd / best.net_profit
    taken = resized = 0
    for seed in range(16):
        rng = random.Random(seed)
        held = rng.randint(best.amount_in // 4, best.amount_in * 4)
        budget_usd = best.amount_in * usd_per_unit * rng.uniform(0.3, 3.0)
        caps = InventoryCaps(
            max_share_bps=rng.choice([10_000, 7_500, 5_000, 2_500]),
            budget_usd=rng.choice([None, budget_usd]),
            max_amount_in=rng.choice(
                [{}, {WETH: rng.randint(best.amount_in // 5, best.amount_in)}]
            ),
        )
        alloc, inventory = allocator(d, held=held, caps=caps, aave=False, vault=False)
        assert inventory is not None
        for i in range(6):
            reserved_before = inventory.reserved(WETH)
            budget_used_before = inventory.in_flight_usd
            decided = await alloc.process(decision_for(replace(best, id=f"trade-{i}")))
            if not decided.approved:
                assert inventory.reserved(WETH) == reserved_before
                continue
            amount = decided.amount_in
            taken += 1
            resized += amount < best.amount_in
            assert decided.flash_source is FlashLoan.INVENTORY
            assert amount <= held * caps.max_share_bps // 10_000
            assert amount <= caps.max_amount_in.get(WETH, amount)
            assert reserved_before + amount <= held
            if caps.budget_usd is not None:
                assert budget_used_before + amount * usd_per_unit <= caps.budget_usd * (1 + 1e-12)
            assert decided.opportunity.amount_out == simulate(
                amount, legs_of(decided.opportunity, states)
            )
            assert inventory.reserved(WETH) == reserved_before + amount
            if rng.random() < 0.4:
                alloc.release(decided)
    # The draws exercise both paths: trades at the detector's size and trades cut to a cap.
    assert taken > resized > 0
    assert taken - resized > 0


def test_caps_are_validated() -> None:
    with pytest.raises(ValueError, match="max_share_bps"):
        InventoryCaps(max_share_bps=0)
    with pytest.raises(ValueError, match="budget_usd"):
        InventoryCaps(budget_usd=0)
    with pytest.raises(ValueError, match="max_amount_in"):
        InventoryCaps(max_amount_in={WETH: 0})


def test_an_unknown_balance_leaves_no_room() -> None:
    inventory = Inventory(executor=EXECUTOR, balances=Balances({}))
    room = inventory.room(WETH, 1.0)
    assert room.amount == 0
    assert "not known" in room.bound

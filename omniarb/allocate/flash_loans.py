"""The allocate stage: each trade's capital from the cheapest flash loan that can lend it.

A route whose first hop is a Uniswap V2 pair borrows its input from that pair (a flash swap:
no fee beyond the hop's own, no extra gas), which no other lender can beat, so no lender is
even asked. Any other route borrows from outside: the Balancer V2 Vault, Aave V3, a Uniswap V3
pool's `flash` or a V2 pair's flash swap, none of them a pool of the route (those are locked
while they swap), nor a lender the route's pools lock while they swap (their adapters'
`locked_lenders`: Balancer's Vault swaps its pools and lends under one reentrancy guard). Each
candidate costs its fee plus its extra gas at the opportunity's gas price, in the start token;
the cheapest whose balance covers the amount wins, and the decision records it. Balances come
from memory (`balances`: the state stage's `LenderBalances`, kept from the token logs that
arrive with each block), so choosing a lender costs no node round trip; only a lender the
view does not know (no view, not bootstrapped yet, a pair it does not follow) is read from
the node, in cost order, `balances_per_read` per request.

With an `inventory` (`omniarb.allocate.inventory`), a route that needs an outside loan may
instead start from the executor's own balance of its start token (`FlashLoan.INVENTORY`: no
fee, the gas of `GasModel.inventory_gas`): the allocator compares what the trade keeps either
way and takes the inventory only when it keeps strictly more (a tie keeps the inventory free).
When the caps leave less than the detector's size, the trade is re-sized, exactly, to the best
amount within them; the decision's reasons say which capital was chosen and why, and the
amount is reserved until the trade settles (`release`). A lender that
charges makes a smaller trade keep more (the fee grows with the amount), so the trade is then
re-sized for that fee on the pool states it was priced on (`resize`). The trade's minimum
profit (checked on chain, net of the fee) is then the gas cost of the whole trade plus the L1
data fee the detector estimated (on an L2), in the start token, so a trade that would lose
money reverts instead; the execute stage replaces the estimate with the exact L1 fee of the
transaction it sends.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

from omniarb.allocate.lenders import Lender, LenderBook
from omniarb.dex.registry import adapter
from omniarb.errors import RetryableError, RevertError, RpcError
from omniarb.gas import GasModel
from omniarb.types import Decision, FlashLoan, Opportunity

if TYPE_CHECKING:
    from omniarb.allocate.inventory import Inventory

__all__ = ["BalanceView", "FlashLoanAllocator", "LoanChoice", "Resize"]

log = logging.getLogger(__name__)

# Gas → its cost in the trade's start token, at the opportunity's gas price.
_TokenCost = Callable[[int], int]
# (opportunity, the loan's fee rule) → the opportunity sized for that fee, or None
# (`CycleDetector.resize_for_loan`).
Resize = Callable[[Opportunity, Callable[[int], int]], Opportunity | None]


class BalanceView(Protocol):
    """Lenders' balances from memory (`omniarb.state.LenderBalances`)."""

    def balance(self, token: str, holder: str) -> int | None:
        """`holder`'s balance of `token`; None when the view cannot know it."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class LoanChoice:
    """A priced way to fund one trade: `lender` None is the route's own first pair, or (with
    `inventory`) no loan at all: the executor's own balance."""

    lender: Lender | None
    fee: int
    extra_gas: int
    cost: int  # fee + extra gas, in the start token
    inventory: bool = False

    @property
    def loan(self) -> FlashLoan:
        if self.inventory:
            return FlashLoan.INVENTORY
        return FlashLoan.OWN_PAIR if self.lender is None else self.lender.kind


# What `_from_inventory`'s sizing charges per unit above the inventory's cap: more than any
# cycle pays back for a unit put in.
_OVER_CAP = 2**64


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def _resized(
    resize: Resize, opportunity: Opportunity, choice: LoanChoice, lender: Lender
) -> tuple[Opportunity, LoanChoice]:
    """The opportunity re-sized for `lender`'s fee, when that keeps more."""
    resized = resize(opportunity, lender.fee)
    if resized is None:
        return opportunity, choice
    fee = lender.fee(resized.amount_in)
    if resized.gross_profit - fee <= opportunity.gross_profit - choice.fee:
        return opportunity, choice
    log.debug(
        "opportunity %s re-sized for %s's fee: %d -> %d in, %d -> %d kept",
        opportunity.id,
        choice.loan,
        opportunity.amount_in,
        resized.amount_in,
        opportunity.gross_profit - choice.fee,
        resized.gross_profit - fee,
    )
    return resized, replace(choice, fee=fee, cost=choice.cost - choice.fee + fee)


class FlashLoanAllocator:
    """Capital = the cheapest loan that can lend the detector's size; size = the detector's
    optimum, re-sized for that loan's fee through `resize` when the lender charges one."""

    def __init__(
        self,
        *,
        book: LenderBook,
        gas_model: GasModel,
        resize: Resize | None = None,
        balances: BalanceView | None = None,
        balances_per_read: int = 16,
        inventory: Inventory | None = None,
    ) -> None:
        if balances_per_read < 1:
            raise ValueError(f"balances_per_read must be >= 1, got {balances_per_read}")
        self._book = book
        self._gas = gas_model
        self._resize = resize
        self._balances = balances
        self._batch = balances_per_read
        self._inventory = inventory
        # Lender balances read from the node because the view could not answer (for tests
        # and the demo summary: zero on the hot path once the view is bootstrapped).
        self.balance_reads = 0

    @property
    def inventory(self) -> Inventory | None:
        """The executor's inventory this allocator may trade from (None: loans only)."""
        return self._inventory

    def release(self, decision: Decision) -> None:
        """`decision`'s trade settled, or will never be sent: its inventory is free again."""
        if self._inventory is not None and decision.flash_source is FlashLoan.INVENTORY:
            self._inventory.release(decision.opportunity.id)

    async def process(self, decision: Decision) -> Decision:
        if not decision.approved:
            return decision
        opportunity = decision.opportunity
        route = opportunity.route
        amount = opportunity.amount_in
        free_loan = adapter(route.hops[0].kind).flash_swap_hop
        # The detector priced the route with the loan it assumed; the trade's own gas is the
        # rest, and the gas price in the start token is its ratio to the assumed cost.
        assumed = self._gas.assumed_loan_gas(free_loan=free_loan)
        hops_gas = opportunity.gas_estimate - assumed
        gas_in_token = opportunity.gas_in_token
        priced_gas = opportunity.gas_estimate
        l1_fee = opportunity.l1_fee_in_token
        usd_per_unit = (
            opportunity.net_profit_usd / opportunity.net_profit if opportunity.net_profit else 0.0
        )

        def token_cost(gas: int) -> int:
            if priced_gas <= 0:
                return 0
            return _ceil_div(gas_in_token * gas, priced_gas)

        def net(sized: Opportunity, choice: LoanChoice) -> int:
            gas = token_cost(hops_gas + choice.extra_gas)
            return sized.gross_profit - choice.fee - gas - l1_fee

        notes: list[str] = []
        if free_loan:
            # The route's own pair lends for free: no inventory needs to be tied up.
            choice = LoanChoice(lender=None, fee=0, extra_gas=0, cost=0)
        else:
            loan: tuple[Opportunity, LoanChoice] | None = None
            loan_problem = ""
            try:
                found = await self._cheapest(decision, token_cost)
            except (RetryableError, RevertError, RpcError, ValueError) as exc:
                found = None
                loan_problem = f"lender balances could not be read: {exc}"
            if found is None and not loan_problem:
                loan_problem = (
                    f"no flash lender outside the route can lend {amount} of {route.token_in}"
                )
            if found is not None:
                loan = (opportunity, found)
                if found.fee > 0 and self._resize is not None and found.lender is not None:
                    loan = _resized(self._resize, opportunity, found, found.lender)
            own, own_problem = self._from_inventory(opportunity, token_cost, usd_per_unit)
            if own is not None and (loan is None or net(*own) > net(*loan)):
                if loan is not None:
                    notes.append(
                        f"capital: inventory, {own[0].amount_in} of {route.token_in} "
                        f"(keeps {net(*own) - net(*loan)} more than {loan[1].loan})"
                    )
                else:
                    notes.append(f"capital: inventory, {own[0].amount_in} of {route.token_in}")
                loan = own
            elif loan is None:
                why = loan_problem if own_problem is None else f"{loan_problem}; {own_problem}"
                return self._decline(decision, why)
            elif own is not None:
                notes.append(
                    f"capital: {loan[1].loan} (keeps {net(*loan) - net(*own)} more than inventory)"
                )
            elif own_problem is not None:
                notes.append(f"capital: {loan[1].loan} ({own_problem})")
            opportunity, choice = loan
        amount = opportunity.amount_in
        total_gas = hops_gas + choice.extra_gas
        gas_cost = token_cost(total_gas)
        net_profit = opportunity.gross_profit - choice.fee - gas_cost - l1_fee
        if net_profit < 1:
            l1_text = f", L1 fee {l1_fee}" if l1_fee else ""
            return self._decline(
                decision,
                f"the cheapest loan ({choice.loan}, fee {choice.fee}, +{choice.extra_gas} gas) "
                f"leaves no profit: gross {opportunity.gross_profit}, gas {gas_cost}{l1_text} "
                "in the start token",
            )
        if choice.inventory:
            assert self._inventory is not None
            self._inventory.reserve(opportunity.id, route.token_in, amount, usd_per_unit)
        return replace(
            decision,
            opportunity=opportunity,
            amount_in=amount,
            min_profit=max(1, gas_cost + l1_fee),
            flash_source=choice.loan,
            flash_pool=None if choice.lender is None else choice.lender.flash_pool,
            flash_fee=choice.fee,
            gas_estimate=total_gas,
            expected_value_usd=net_profit * usd_per_unit * decision.p_success,
            reasons=(*decision.reasons, *notes),
        )

    def _from_inventory(
        self, opportunity: Opportunity, token_cost: _TokenCost, usd_per_unit: float
    ) -> tuple[tuple[Opportunity, LoanChoice] | None, str | None]:
        """The trade funded from the executor's inventory, within the caps: at the detector's
        size when it fits, else re-sized (exactly, on the states it was priced on) to the most
        the caps allow; (None, why not) when the inventory cannot fund it."""
        inventory = self._inventory
        if inventory is None:
            return None, None
        token = opportunity.route.token_in
        room = inventory.room(token, usd_per_unit)
        extra = self._gas.loan_gas(FlashLoan.INVENTORY)
        choice = LoanChoice(
            lender=None, fee=0, extra_gas=extra, cost=token_cost(extra), inventory=True
        )
        if room.amount >= opportunity.amount_in:
            return (opportunity, choice), None
        if room.amount < 1:
            return None, f"no inventory to spare ({room.bound})"
        if self._resize is None:
            return None, f"inventory short of {opportunity.amount_in} ({room.bound})"
        cap = room.amount
        # A "fee" that grows past the cap faster than any cycle's output can (a cycle pays
        # back in its own token, far less than 2**64 per unit put in), so what is kept falls
        # past the cap and rises up to it: the exact re-sizing's search finds the best amount
        # within it.
        sized = self._resize(opportunity, lambda a: 0 if a <= cap else (a - cap) * _OVER_CAP)
        if sized is None or sized.amount_in > cap:
            return None, f"inventory short of {opportunity.amount_in} ({room.bound})"
        log.debug(
            "opportunity %s re-sized for the inventory's cap: %d -> %d in (%s)",
            opportunity.id,
            opportunity.amount_in,
            sized.amount_in,
            room.bound,
        )
        return (sized, choice), None

    async def _cheapest(self, decision: Decision, token_cost: _TokenCost) -> LoanChoice | None:
        """The cheapest outside lender whose balance covers the amount (None if none does)."""
        opportunity = decision.opportunity
        route = opportunity.route
        amount = opportunity.amount_in
        candidates = []
        # A lender that holds a route pool locks itself while it swaps (its adapter says so).
        locked = frozenset().union(*(adapter(hop.kind).locked_lenders for hop in route.hops))
        for lender in self._book.lenders(route.token_in, excluding=route.pools):
            if lender.kind in locked:
                continue
            fee = lender.fee(amount)
            cost = fee + token_cost(lender.extra_gas)
            candidates.append(
                LoanChoice(lender=lender, fee=fee, extra_gas=lender.extra_gas, cost=cost)
            )
        # Cheapest first; on a tie the one that burns less gas (it is also less to go wrong).
        candidates.sort(key=lambda c: (c.cost, c.extra_gas))
        # The view answers from memory: the first lender in cost order that can lend is the
        # answer, unless a cheaper one the view does not know can (read from the node then).
        view = self._balances
        found: LoanChoice | None = None
        unknown: list[LoanChoice] = []  # all cheaper than `found`: the loop stops there
        for choice in candidates:
            source = choice.lender
            assert source is not None
            held = None if view is None else view.balance(source.token, source.holder)
            if held is None:
                unknown.append(choice)
            elif source.can_lend(amount, held):
                found = choice
                break
        if unknown:
            read = await self._read_first(unknown, amount)
            if read is not None:
                return read
        return found

    async def _read_first(self, candidates: list[LoanChoice], amount: int) -> LoanChoice | None:
        """The first of `candidates` (cost order) whose balance, read from the node, covers
        `amount`. Read a batch at a time: on a chain with thousands of pools holding the token
        one batch of the cheapest usually finds it (all of them would be a huge round trip)."""
        for start in range(0, len(candidates), self._batch):
            batch = candidates[start : start + self._batch]
            self.balance_reads += len(batch)
            balances = await self._book.balances([c.lender for c in batch if c.lender is not None])
            for choice, balance in zip(batch, balances, strict=True):
                assert choice.lender is not None
                if choice.lender.can_lend(amount, balance):
                    return choice
        return None

    @staticmethod
    def _decline(decision: Decision, reason: str) -> Decision:
        log.info("opportunity %s declined: %s", decision.opportunity.id, reason)
        return replace(decision, approved=False, reasons=(reason,))

"""The executor's own capital on one chain: its balance of each token, less what trades in
flight have reserved, within the caps of `[allocate]`.

Profit stays in the executor contract (it only pays out on the owner's `withdraw`), and the
owner may send it tokens (`omniarb executor fund`), so the executor holds an inventory of the
tokens it trades. A trade can start from that inventory instead of a loan (plan source 5): no
fee, and less gas than any lender outside the route. The balances come from memory: the state
stage's `LenderBalances` follows the executor as one more holder of every token of the chain
(bootstrapped once, then kept from the token logs that arrive with each block), so asking costs
no node round trip.

Two trades decided before either lands must not spend the same tokens: a trade that takes
inventory reserves its amount when it is allocated, and releases it when it settles (or is
never sent). Releasing at the receipt, before the state stage has applied that block's logs,
is safe: an inventory trade that landed left the balance higher (amountIn back plus at least
`minProfit`, less a bribe paid out of that profit), and one that reverted left it as it was, so
the remembered balance is never more than the chain's.

The caps (`InventoryCaps`): one trade takes at most `max_share_bps` of what the executor
holds of its token, and at most the token's `max_amount_in`; all trades in flight on the chain
together hold at most `budget_usd` of inventory (valued at each opportunity's own USD rate).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from omniarb.allocate.flash_loans import BalanceView

__all__ = ["Inventory", "InventoryCaps", "Room"]

log = logging.getLogger(__name__)

_BPS = 10_000


@dataclass(frozen=True, slots=True, kw_only=True)
class InventoryCaps:
    """The limits on trading from inventory on one chain (see the module docstring).
    `max_amount_in` is per token address (lower case), in its base units."""

    max_share_bps: int = _BPS
    budget_usd: float | None = None
    max_amount_in: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 1 <= self.max_share_bps <= _BPS:
            raise ValueError(f"max_share_bps must be 1..10000, got {self.max_share_bps}")
        if self.budget_usd is not None and not self.budget_usd > 0:
            raise ValueError(f"budget_usd must be > 0, got {self.budget_usd}")
        for token, cap in self.max_amount_in.items():
            if cap < 1:
                raise ValueError(f"max_amount_in of {token} must be >= 1 base unit, got {cap}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Room:
    """How much of a token one new trade may take from inventory now (`amount`, base units),
    what bounds it (`bound`, for the decision's reasons) and what the executor holds."""

    amount: int
    bound: str
    held: int


@dataclass(frozen=True, slots=True)
class _Reservation:
    token: str
    amount: int
    usd: float


class Inventory:
    """The executor's balances of one chain's tokens (from `balances`), less reservations.

    One instance per chain, used by that chain's decider task and settle task (one event
    loop: no lock needed between `room` and `reserve`, which run without an await between).
    """

    def __init__(
        self, *, executor: str, balances: BalanceView, caps: InventoryCaps | None = None
    ) -> None:
        self._executor = executor.lower()
        self._balances = balances
        self._caps = caps or InventoryCaps()
        self._by_trade: dict[str, list[_Reservation]] = {}
        self._reserved: dict[str, int] = {}
        self._in_flight_usd = 0.0

    @property
    def executor(self) -> str:
        return self._executor

    @property
    def caps(self) -> InventoryCaps:
        return self._caps

    @property
    def in_flight_usd(self) -> float:
        """The USD value of the inventory reserved by trades in flight on this chain."""
        return self._in_flight_usd

    def held(self, token: str) -> int | None:
        """The executor's balance of `token`, from memory (None when the view cannot know)."""
        return self._balances.balance(token, self._executor)

    def reserved(self, token: str) -> int:
        """What trades in flight have reserved of `token`."""
        return self._reserved.get(token.lower(), 0)

    def room(self, token: str, usd_per_unit: float) -> Room:
        """The most of `token` one new trade may take now, within every cap. `usd_per_unit` is
        the USD value of one base unit (the opportunity's own rate; 0 when unknown)."""
        held = self.held(token)
        if held is None:
            return Room(amount=0, bound="the executor's balance is not known yet", held=0)
        key = token.lower()
        free = held - self._reserved.get(key, 0)
        bounds = [(free, f"{free} free of {held} held")]
        caps = self._caps
        if caps.max_share_bps < _BPS:
            share = held * caps.max_share_bps // _BPS
            bounds.append((share, f"max_inventory_share_bps {caps.max_share_bps} of {held}"))
        token_cap = caps.max_amount_in.get(key)
        if token_cap is not None:
            bounds.append((token_cap, f"max_amount_in {token_cap}"))
        if caps.budget_usd is not None:
            left_usd = caps.budget_usd - self._in_flight_usd
            if usd_per_unit <= 0:
                bounds.append((0, "no USD rate to value it against the chain's budget"))
            else:
                # Rounded down: the budget is never exceeded by a rounding.
                units = int(left_usd / usd_per_unit) if left_usd > 0 else 0
                bounds.append(
                    (units, f"per_chain_budget_usd {caps.budget_usd:g} ({left_usd:.2f} left)")
                )
        amount, bound = min(bounds, key=lambda b: b[0])
        return Room(amount=max(amount, 0), bound=bound, held=held)

    def reserve(self, trade_id: str, token: str, amount: int, usd_per_unit: float) -> None:
        """Hold `amount` of `token` for trade `trade_id` until `release(trade_id)`."""
        if amount < 1:
            raise ValueError(f"a reservation of {amount} of {token}")
        key = token.lower()
        usd = amount * usd_per_unit
        self._by_trade.setdefault(trade_id, []).append(_Reservation(key, amount, usd))
        self._reserved[key] = self._reserved.get(key, 0) + amount
        self._in_flight_usd += usd

    def release(self, trade_id: str) -> bool:
        """Release trade `trade_id`'s oldest reservation; False when it holds none (it took no
        inventory, or was released already)."""
        held = self._by_trade.get(trade_id)
        if not held:
            return False
        reservation = held.pop(0)
        if not held:
            del self._by_trade[trade_id]
        left = self._reserved.get(reservation.token, 0) - reservation.amount
        if left > 0:
            self._reserved[reservation.token] = left
        else:
            self._reserved.pop(reservation.token, None)
        self._in_flight_usd = max(0.0, self._in_flight_usd - reservation.usd)
        if not self._by_trade:
            self._in_flight_usd = 0.0  # no float residue once nothing is in flight
        return True

    @property
    def trades_in_flight(self) -> int:
        """How many reservations are held."""
        return sum(len(r) for r in self._by_trade.values())

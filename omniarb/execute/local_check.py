"""The local simulation of a trade: the executor's checks on the synced pool states, no node.

    check = LocalSimulation(states=sync)  # a `PoolStateSync`, or any `HopStates`
    prediction = check.check(decision, min_profit=min_profit, deadline_block=deadline)

It replays what `OmniArbExecutor.execute` does with the plan (contracts/executor/
OmniArbExecutor.sol): every hop's output on the pool's current state, with the adapter's exact
math (`PoolState.amount_out`, which mirrors each pool's contract and raises where it reverts),
then `_settle`: the final amount of the start token must cover what the lender is owed
(amountIn plus its fee: `Decision.flash_fee`, the allocator's `allocate.lenders.flash_fee`,
which mirrors each lender's repayment) plus `minProfit`, else `InsufficientProfit`. The all-V2
path checks the same sum before any token moves (`execute`, step 1), and a route through the
route's own pair pays no fee beyond that pair's swap fee, so one rule covers every loan.

First of all, as the contract checks it first, the plan's deadline: the trade can land in the
block after the head at the earliest, so a deadline block at or before the head is `Expired`.

The states are those of the sync at the moment of sending: a pool moved since the decision
is priced as it is now, as the node's `eth_call` against `latest` would. A state that cannot
vouch for the trade (a pool not synced, a sync whose head is behind the block the trade was
decided on, as after a reorg) rejects it: nothing is sent on a guess.

The prediction names the block its states are of (`head_block`, `head_hash`: the sampled
audit runs the node's `eth_call` there, to compare like with like). That is the block of the
route's kinds (`HopStates.hop_view`), not the sync's `head`: the kinds step through a head side
by side, so while one kind's step is under way another's states are already of the next block,
and `head` (the lowest kind's) would name a block whose pools the trade was not priced on. A
route whose hops' states are of different blocks (a kind mid-step, or one whose step failed)
is no state the chain ever had: it is rejected.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from omniarb.chain_events import NewHead
from omniarb.dex.base import PoolState
from omniarb.errors import RejectedError, RevertError
from omniarb.types import Decision

__all__ = ["Holdings", "HopStates", "LocalPrediction", "LocalSimulation", "LocalSimulationError"]


class HopStates(Protocol):
    """Where the local simulation reads pool states (`omniarb.state.PoolStateSync`)."""

    @property
    def head(self) -> NewHead | None: ...

    @property
    def rewrites(self) -> int:
        """How many reorgs (or whole re-reads) the states have been through."""
        ...

    def hop_view(
        self, pool: str, token_a: str, token_b: str
    ) -> tuple[PoolState, NewHead | None] | None:
        """The state a hop trades on and the head of the block it is of (None: not synced)."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class LocalPrediction:
    """What the executor will do with the trade, in base units of the start token: the cycle's
    final `amount_out`, what the lender is `owed`, and the `profit` the call returns (and the
    executor keeps); `head_block` and `head_hash` name the block the states are of."""

    amount_out: int
    owed: int
    profit: int
    head_block: int
    head_hash: str


class LocalSimulationError(RejectedError):
    """The local simulation says the executor would revert (or cannot vouch for the trade):
    the trade is not sent."""

    def __init__(self, reason: str, *, profit: int | None = None, min_profit: int = 0) -> None:
        super().__init__(f"local simulation: {reason}")
        self.reason = reason
        self.profit = profit
        self.min_profit = min_profit


# (pool, token) → what the contract holding that pool's tokens holds of it (None: unknown).
Holdings = Callable[[str, str], int | None]


class LocalSimulation:
    """Checks a decision against the synced pool states; see the module docstring.

    With `holdings` (the synced lender balances, by the pool's custodian), a hop must also be
    payable: its pool's custodian (the pool, the V4 PoolManager, the Balancer Vault) must hold
    the amount it pays out, or the token's transfer would revert where the pool's math alone
    sees none."""

    def __init__(self, *, states: HopStates, holdings: Holdings | None = None) -> None:
        self._states = states
        self._holdings = holdings

    @property
    def head_block(self) -> int | None:
        """The block the states are of now (None before the first head)."""
        head = self._states.head
        return None if head is None else head.number

    @property
    def rewrites(self) -> int:
        """The states' reorg count (`HopStates.rewrites`): a change means sent transactions
        may have left the chain."""
        return self._states.rewrites

    def check(
        self,
        decision: Decision,
        *,
        min_profit: int | None = None,
        deadline_block: int | None = None,
    ) -> LocalPrediction:
        """The executor's outcome for `decision` (with `min_profit`, the one encoded in the
        plan, which an L2's L1 fee may have raised; the decision's own by default; and the
        plan's `deadline_block`), or `LocalSimulationError` naming why it would revert."""
        floor = decision.min_profit if min_profit is None else min_profit
        opportunity = decision.opportunity
        head = self._states.head
        if head is None:
            raise LocalSimulationError("the pool states are not synced yet")
        if deadline_block is not None and head.number >= deadline_block:
            raise LocalSimulationError(
                f"expired: deadline block {deadline_block}, but the next block is {head.number + 1}"
            )
        if head.number < opportunity.block_number:
            raise LocalSimulationError(
                f"the synced states are of block {head.number}, behind block "
                f"{opportunity.block_number} the trade was decided on"
            )
        states, at = self._route_states(decision)
        amount = decision.amount_in
        for index, (hop, state) in enumerate(zip(opportunity.route.hops, states, strict=True)):
            try:
                amount = state.amount_out(hop.token_in, amount)
            except (RevertError, ValueError) as exc:
                raise LocalSimulationError(
                    f"hop {index} through {hop.pool} reverts: {exc}"
                ) from exc
            # A native-coin side is paid in the coin, which no token balance bounds.
            held = (
                None
                if self._holdings is None or hop.currency_out is not None
                else self._holdings(hop.pool, hop.token_out)
            )
            if held is not None and amount > held:
                raise LocalSimulationError(
                    f"hop {index} through {hop.pool} pays {amount} of {hop.token_out}, but its "
                    f"custodian holds {held}"
                )
        owed = decision.amount_in + decision.flash_fee
        if amount < owed + floor:
            profit = max(amount - owed, 0)
            raise LocalSimulationError(
                f"insufficient profit {profit} < min profit {floor} at block {at.number}",
                profit=profit,
                min_profit=floor,
            )
        return LocalPrediction(
            amount_out=amount,
            owed=owed,
            profit=amount - owed,
            head_block=at.number,
            head_hash=at.hash,
        )

    def _route_states(self, decision: Decision) -> tuple[list[PoolState], NewHead]:
        """Every hop's state, and the one block they are all of (module docstring)."""
        states: list[PoolState] = []
        at: NewHead | None = None
        for index, hop in enumerate(decision.opportunity.route.hops):
            view = self._states.hop_view(hop.pool, hop.token_in, hop.token_out)
            head = None if view is None else view[1]
            if view is None or head is None:
                raise LocalSimulationError(f"hop {index}: pool {hop.pool} is not synced")
            state = view[0]
            if at is None:
                at = head
            elif head.hash != at.hash:
                raise LocalSimulationError(
                    f"hop {index}: the route's pool states are of blocks {at.number} and "
                    f"{head.number} (a kind's step through a head is under way or failed): "
                    "no one block vouches for the trade"
                )
            states.append(state)
        if at is None:
            raise LocalSimulationError("the route has no hop")
        return states, at

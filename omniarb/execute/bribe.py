"""The bribe a trade pays the block's coinbase: a per-chain share of its realized profit.

A block builder (or a devnet relay standing in for one) ranks bundles by what they pay the
coinbase in the native coin. `OmniArbExecutor.executeAndPayCoinbase(plan, bribeBps)`
(contracts/executor/OmniArbExecutor.sol) trades the plan as `execute` does and, once the
profit check has passed, pays

    bribe = floor(profit · bribeBps / 10,000)

of it to `block.coinbase`: it unwraps that much of the start token (which must be the chain's
wrapped native token) and sends the coin. A trade that loses the race or fails its profit check
reverts and pays nothing. `bribe_wei` is the same integer formula, so the prediction is exact:
the executor keeps profit − bribe, and the coinbase receives the bribe plus the priority fees.

A share of 0 keeps the plain `execute(plan)` call, byte for byte, and its gas; so does a route
that does not start in the wrapped native token (the contract would refuse its bribe), and a
profit so small that the bribe rounds to 0. The bribed call costs `BRIBE_GAS` more than
`execute` of the same plan (`omniarb.gas.BRIBE_GAS`, re-exported here: measured on the devnet,
the same for every flash source, tests/integration/execute/test_executor_bribe.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from omniarb.chains.abi import selector
from omniarb.errors import RejectedError
from omniarb.execute.route_codec import wrap_plan
from omniarb.gas import BRIBE_GAS
from omniarb.types import Decision

__all__ = [
    "BPS",
    "BRIBE_GAS",
    "EXECUTE_AND_PAY_SIGNATURE",
    "BribeError",
    "BribePolicy",
    "bribe_wei",
    "bribed_calldata",
    "check_share_bps",
    "kept_floor",
]

EXECUTE_AND_PAY_SIGNATURE = "executeAndPayCoinbase(bytes,uint256)"
_EXECUTE_AND_PAY_SELECTOR = selector(EXECUTE_AND_PAY_SIGNATURE)
# The ABI head of `executeAndPayCoinbase(bytes,uint256)`: the plan's offset is past both head
# words.
_PLAN_OFFSET = (64).to_bytes(32, "big")
BPS = 10_000


class BribeError(RejectedError):
    """The trade's predicted profit cannot pay the chain's bribe and still keep its minimum
    profit: it is not sent."""


def check_share_bps(share_bps: int) -> int:
    """`share_bps` if it is a share the contract accepts (0 … 10,000), else ValueError."""
    if not 0 <= share_bps <= BPS:
        raise ValueError(f"a bribe share is 0 to {BPS} basis points of the profit, not {share_bps}")
    return share_bps


def bribe_wei(profit: int, share_bps: int) -> int:
    """The bribe `executeAndPayCoinbase` pays out of `profit` (its start token's base units,
    which are the native coin's wei: the token is the wrapped native one): rounded down, as
    the contract's `profit * bribeBps / BPS`."""
    check_share_bps(share_bps)
    if profit <= 0:
        return 0
    return profit * share_bps // BPS


def kept_floor(min_profit: int, share_bps: int) -> int:
    """The on-chain minimum profit (before the bribe) that keeps `min_profit` after a
    `share_bps` bribe: ceil(min_profit · 10,000 / (10,000 − share_bps)), the least profit whose
    exact share leaves the minimum; the bribe is rounded down, so every profit from there on
    keeps it. With all of the profit bribed nothing is kept: a positive minimum then needs
    `2**256`, which no profit reaches."""
    check_share_bps(share_bps)
    if min_profit <= 0:
        return 0
    if share_bps == BPS:
        return 2**256
    return -(-min_profit * BPS // (BPS - share_bps))


def bribed_calldata(plan: bytes, share_bps: int) -> bytes:
    """Transaction input for `executeAndPayCoinbase(plan, share_bps)`, ABI-encoded by hand:
    selector, the plan's offset (64), the share, the plan's length, the plan padded."""
    check_share_bps(share_bps)
    padding = b"\0" * (-len(plan) % 32)
    return (
        _EXECUTE_AND_PAY_SELECTOR
        + _PLAN_OFFSET
        + share_bps.to_bytes(32, "big")
        + len(plan).to_bytes(32, "big")
        + plan
        + padding
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class BribePolicy:
    """A chain's bribe: `share_bps` of each trade's profit to the coinbase, paid only by routes
    that start in `wrapped_native` (None: the chain has none, nothing is bribed); each bribed
    trade is priced `gas` more."""

    share_bps: int = 0
    wrapped_native: str | None = None
    gas: int = BRIBE_GAS

    def __post_init__(self) -> None:
        check_share_bps(self.share_bps)

    def applied(self, decision: Decision) -> Decision:
        """`decision` with its bribe: `bribe_wei` from its predicted profit (net of the
        lender's fee, as the contract computes it), the bribed call's extra gas, and the
        on-chain minimum profit raised so that what the executor keeps after the bribe still
        covers the decision's minimum (`kept_floor`). Unchanged (bribe 0) when this chain does
        not bribe, the route does not start in the wrapped native token or the bribe rounds to
        nothing; `BribeError` when the predicted profit cannot pay the bribe and the minimum."""
        wrapped = self.wrapped_native
        route = decision.opportunity.route
        if self.share_bps == 0 or wrapped is None or route.token_in.lower() != wrapped.lower():
            return decision
        profit = decision.profit_before_bribe
        bribe = bribe_wei(profit, self.share_bps)
        if bribe == 0:
            return decision
        min_profit = kept_floor(decision.min_profit, self.share_bps)
        if min_profit > profit:
            raise BribeError(
                f"a {self.share_bps} bps bribe ({bribe} wei of {profit}) leaves less than the "
                f"minimum profit {decision.min_profit}"
            )
        return replace(
            decision,
            bribe_wei=bribe,
            min_profit=min_profit,
            gas_estimate=decision.trade_gas_estimate + self.gas,
        )

    def calldata(self, decision: Decision, plan: bytes) -> bytes:
        """The call for `decision` (already `applied`) with its `plan`: the bribed entry when
        it pays a bribe, else `execute(plan)` exactly as without a bribe."""
        if decision.bribe_wei == 0:
            return wrap_plan(plan)
        return bribed_calldata(plan, self.share_bps)

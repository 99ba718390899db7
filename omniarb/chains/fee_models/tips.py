"""The priority fee to bid on a chain: what recent blocks paid, within the chain's bounds.

`eth_feeHistory(blocks, "latest", [percentile])` gives each recent block's reward at that
percentile of its transactions' effective tips; the tip is their median, clamped to the chain's
`TipBounds` (Polygon's validators refuse less than about 25 gwei; Arbitrum's bounds are 0/0,
ArbOS ignores tips). Blocks with no transactions report 0 and pull the median down, which the
minimum bound stops. On BNB Chain blocks carry no base fee, so a block's reward is the whole
gas price paid, and the "tip" is the legacy gas price itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from omniarb.chains.node_values import node_list, node_object, node_quantity
from omniarb.chains.spec import TipBounds

__all__ = ["TipPolicy", "fee_history_request", "tip_from_fee_history"]


@dataclass(frozen=True, slots=True, kw_only=True)
class TipPolicy:
    """How a chain's tip is chosen: the `percentile` reward of the last `blocks` blocks,
    within `bounds`."""

    bounds: TipBounds
    blocks: int = 10
    percentile: float = 50.0

    def __post_init__(self) -> None:
        if not 1 <= self.blocks <= 1024:
            raise ValueError(f"blocks must be in 1..1024, got {self.blocks}")
        if not 0 <= self.percentile <= 100:
            raise ValueError(f"percentile must be in 0..100, got {self.percentile}")


def fee_history_request(policy: TipPolicy) -> tuple[str, list[Any]]:
    """The `eth_feeHistory` request of `policy`, to batch with the block's other reads."""
    return ("eth_feeHistory", [hex(policy.blocks), "latest", [policy.percentile]])


def tip_from_fee_history(history: object, bounds: TipBounds) -> int:
    """The median of the blocks' rewards (upper median on an even count), clamped; the
    minimum when the node reports no rewards; `ValueError` for an answer that is not a fee
    history."""
    answer = node_object(history, "an eth_feeHistory answer")
    rewards = []
    for row in node_list(answer.get("reward") or (), "an eth_feeHistory answer's reward"):
        if row:  # a block with no transactions may have no reward
            first = node_list(row, "an eth_feeHistory reward row")[0]
            rewards.append(node_quantity(first, "an eth_feeHistory reward"))
    rewards.sort()
    if not rewards:
        return bounds.min_wei
    return bounds.clamp(rewards[len(rewards) // 2])

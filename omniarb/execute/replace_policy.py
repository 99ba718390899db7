"""How far and when a stuck transaction is re-priced: the policy and the successor's fees.

Pure numbers, so they are tested alone; `omniarb.execute.replace` applies them to a real node.
"""

from __future__ import annotations

from dataclasses import dataclass

from omniarb.chains.fees import Eip1559Fees, Fees, LegacyFees

__all__ = [
    "GETH_PRICE_BUMP_PERCENT",
    "ReplacementPolicy",
    "bumped_fees",
    "default_replace_after_blocks",
]

# geth's `txpool.pricebump` default (core/txpool/legacypool: both fee cap and tip must rise by
# it); anvil only wants a strictly higher max fee (crates/anvil/src/eth/pool/transactions.rs,
# `ReplacementUnderpriced`), which 10% also is.
GETH_PRICE_BUMP_PERCENT = 10
# How long a transaction may wait before it counts as stuck, in wall time: three Ethereum slots.
_STUCK_AFTER_S = 36.0


def default_replace_after_blocks(block_time_s: float) -> int:
    """Blocks after which a transaction is stuck on a chain with `block_time_s` blocks:
    about 36 s worth, at least 2 (one block may simply be full) and at most 120."""
    return max(2, min(120, round(_STUCK_AFTER_S / block_time_s)))


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplacementPolicy:
    """When and how far a stuck transaction is re-priced."""

    replace_after_blocks: int = 3
    max_replacements: int = 3
    fee_bump_percent: int = GETH_PRICE_BUMP_PERCENT
    max_fee_per_gas_wei: int = 500 * 10**9

    def __post_init__(self) -> None:
        if self.replace_after_blocks < 1:
            raise ValueError(f"replace_after_blocks must be >= 1, got {self.replace_after_blocks}")
        if self.max_replacements < 0:
            raise ValueError(f"max_replacements must be >= 0, got {self.max_replacements}")
        if self.fee_bump_percent < GETH_PRICE_BUMP_PERCENT:
            raise ValueError(
                f"fee_bump_percent must be >= {GETH_PRICE_BUMP_PERCENT} (nodes refuse less), "
                f"got {self.fee_bump_percent}"
            )


def _bump(old_wei: int, percent: int) -> int:
    # Rounded up, and always at least one wei more: anvil wants strictly more, geth 10% more.
    return max(old_wei + 1, -(-old_wei * (100 + percent) // 100))


def bumped_fees(old: Fees, current: Fees, *, bump_percent: int, cap_wei: int) -> Fees | None:
    """The fees of a successor to a transaction that bid `old`, when `current` is what a new
    transaction would bid now: each field the higher of the two, at least `bump_percent` above
    `old` (the node's replacement minimum); None when that exceeds `cap_wei` per gas."""
    if isinstance(old, LegacyFees) or isinstance(current, LegacyFees):
        old_price = old.fee_cap_wei
        price = max(_bump(old_price, bump_percent), current.fee_cap_wei)
        if price > cap_wei:
            return None
        return LegacyFees(gas_price_wei=price, tip_wei=max(old.tip_wei, current.tip_wei))
    tip = max(_bump(old.tip_wei, bump_percent), current.tip_wei)
    cap = max(_bump(old.max_fee_per_gas_wei, bump_percent), current.max_fee_per_gas_wei, tip)
    if cap > cap_wei:
        return None
    return Eip1559Fees(max_fee_per_gas_wei=cap, max_priority_fee_per_gas_wei=tip)

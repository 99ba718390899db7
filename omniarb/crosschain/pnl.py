"""A cross-chain trade's value in USD at the detector's prices: predicted from its plans,
realized from its legs' receipts, and the inventory it changed.

Every leg is valued the same way, so realized equals predicted exactly when the outputs and the
fees do: `out × price(out) − in × price(in) − fee_wei × price(native)`. A stable quote asset is
$1 a token; the traded asset is valued at the detector's price, gas at the native coin's.
Amounts stay ints to the last step; only the USD figures are floats (display and ranking).
"""

from __future__ import annotations

from dataclasses import dataclass

from omniarb.crosschain.leg_result import LegResult

__all__ = ["LegPrices", "TradePrices", "inventory_change", "leg_value_usd", "realized_value_usd"]


@dataclass(frozen=True, slots=True, kw_only=True)
class LegPrices:
    """USD per base unit of a leg's input and output token, and per wei of its chain's coin."""

    token_in_usd: float
    token_out_usd: float
    native_usd_per_wei: float


@dataclass(frozen=True, slots=True, kw_only=True)
class TradePrices:
    """The prices a trade is valued at, leg by leg (both legs' tokens differ in decimals)."""

    sell: LegPrices
    buy: LegPrices
    # USD per base unit of the asset on each chain, to value an exposure.
    asset_usd_by_chain: dict[str, float]


def leg_value_usd(prices: LegPrices, *, amount_in: int, amount_out: int, fee_wei: int) -> float:
    """What a leg added in USD: its output less its input and its fee."""
    return (
        amount_out * prices.token_out_usd
        - amount_in * prices.token_in_usd
        - fee_wei * prices.native_usd_per_wei
    )


def realized_value_usd(prices: LegPrices, leg: LegResult) -> float:
    """A settled leg's value: what it received and paid by its receipt, and its fee."""
    return leg_value_usd(
        prices, amount_in=leg.spent_in, amount_out=leg.realized_out, fee_wei=leg.fee_wei or 0
    )


def inventory_change(legs: list[LegResult]) -> dict[str, dict[str, str]]:
    """Per chain and token, the signed change the legs made to the account's inventory (base
    units as decimal strings, as the trade row stores it)."""
    change: dict[str, dict[str, int]] = {}
    for leg in legs:
        tokens = change.setdefault(leg.chain, {})
        if leg.spent_in:
            tokens[leg.token_in.lower()] = tokens.get(leg.token_in.lower(), 0) - leg.spent_in
        if leg.realized_out:
            key = leg.token_out.lower()
            tokens[key] = tokens.get(key, 0) + leg.realized_out
    return {
        chain: {token: str(amount) for token, amount in tokens.items() if amount}
        for chain, tokens in change.items()
    }

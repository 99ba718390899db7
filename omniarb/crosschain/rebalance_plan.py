"""Which transfers bring every chain's inventory back inside its band, and through which bridge.

Pure: plain values in, plain values out, so the rules are tested without a chain.

1. `plan_moves` compares each (asset, chain) holding with its band. What is on its way counts as
   already there: a transfer in flight adds its expected output to its destination and, until
   its deposit is mined, takes its input from its source. A chain below `low` receives enough to
   reach `target` from the chain with the most surplus over its own `target` (chains above `high`
   first), never taking that chain below its `target`. One transfer per (asset, destination) at a
   time: a destination with a transfer in flight gets no second one; and a chain gives to one
   destination per round (the next round serves the others).
2. `gross_up` sizes the input so that, after the bridge's fee, the destination still reaches its
   target (the fee is quoted on the first input, then the input is scaled once).
3. `choose_route` takes the cheapest quote: the bridge's fee plus the source transactions' gas,
   both in USD; on a tie, the faster one.

Amounts are base units of each chain's token; an asset may have different decimals on two chains
(USDC: 6 on Ethereum, 18 on BNB Chain), so comparisons across chains go through `_scale`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from omniarb.bridges.base import BridgeQuote

__all__ = [
    "Band",
    "Holding",
    "InFlight",
    "Move",
    "RouteChoice",
    "choose_route",
    "gross_up",
    "plan_moves",
    "route_cost_usd",
]

# Every token the bot holds has at most 18 decimals: comparisons use 18-decimal units.
_COMMON_DECIMALS = 18
_ONE: int = 10**_COMMON_DECIMALS
_FACTORS: tuple[int, ...] = tuple(10**n for n in range(_COMMON_DECIMALS + 1))


@dataclass(frozen=True, slots=True, kw_only=True)
class Band:
    """`low` <= `target` <= `high` of `asset` on `chain`, base units of its token there."""

    asset: str
    chain: str
    low: int
    target: int
    high: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Holding:
    """What the inventory account holds of `asset` on `chain` (its token has `decimals`)."""

    asset: str
    chain: str
    amount: int
    decimals: int


@dataclass(frozen=True, slots=True, kw_only=True)
class InFlight:
    """A transfer not yet arrived. `left_source`: its deposit is mined, so the source balance
    no longer holds `amount_in`."""

    asset: str
    src_chain: str
    dst_chain: str
    amount_in: int
    amount_out: int
    left_source: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Move:
    """Send `amount_in` of `asset` from `src_chain` so that `dst_chain` receives `need_out`
    (in its own base units) and reaches its target. `max_in` is the most the source can give
    without going below its target."""

    asset: str
    src_chain: str
    dst_chain: str
    amount_in: int
    need_out: int
    max_in: int


@dataclass(frozen=True, slots=True, kw_only=True)
class RouteChoice:
    """The quote chosen for a move and what it costs, in USD."""

    quote: BridgeQuote
    fee_usd: float
    gas_usd: float

    @property
    def cost_usd(self) -> float:
        return self.fee_usd + self.gas_usd


def _scale(amount: int, decimals: int) -> int:
    """`amount` of a `decimals` token in 18-decimal units (exact: decimals <= 18)."""
    return amount * _FACTORS[_COMMON_DECIMALS - decimals]


def _unscale(amount: int, decimals: int, *, up: bool) -> int:
    """18-decimal units back to base units of a `decimals` token, rounded up or down."""
    factor = _FACTORS[_COMMON_DECIMALS - decimals]
    return -(-amount // factor) if up else amount // factor


def plan_moves(
    holdings: Sequence[Holding],
    bands: Sequence[Band],
    in_flight: Sequence[InFlight],
    *,
    price_usd: Mapping[str, float],
    min_transfer_usd: float = 0.0,
    max_transfer_usd: float = float("inf"),
) -> list[Move]:
    """The transfers to make now (see the module docstring). `price_usd` is per asset, per
    whole token; a move worth less than `min_transfer_usd` is dust and left out, one worth more
    than `max_transfer_usd` is cut to it."""
    held = {(h.asset, h.chain): h for h in holdings}
    effective = {key: _scale(h.amount, h.decimals) for key, h in held.items()}
    # What a chain can send now: what it holds, less what it has signed away; what is on its
    # way to it counts toward its band, but cannot be sent on before it lands.
    spendable = dict(effective)
    busy: set[tuple[str, str]] = set()
    for transfer in in_flight:
        busy.add((transfer.asset, transfer.dst_chain))
        dst = held.get((transfer.asset, transfer.dst_chain))
        if dst is not None:
            effective[dst.asset, dst.chain] += _scale(transfer.amount_out, dst.decimals)
        src = held.get((transfer.asset, transfer.src_chain))
        if src is not None and not transfer.left_source:
            effective[src.asset, src.chain] -= _scale(transfer.amount_in, src.decimals)
            spendable[src.asset, src.chain] -= _scale(transfer.amount_in, src.decimals)
    moves: list[Move] = []
    for asset in sorted({band.asset for band in bands}):
        banded = [b for b in bands if b.asset == asset and (asset, b.chain) in held]
        moves += _moves_of(
            asset, banded, held, effective, spendable, busy, price_usd.get(asset, 0.0),
            min_transfer_usd, max_transfer_usd,
        )  # fmt: skip
    return moves


def _moves_of(
    asset: str,
    bands: Sequence[Band],
    held: Mapping[tuple[str, str], Holding],
    effective: dict[tuple[str, str], int],
    spendable: Mapping[tuple[str, str], int],
    busy: set[tuple[str, str]],
    price_usd: float,
    min_usd: float,
    max_usd: float,
) -> list[Move]:
    def level(band: Band, bound: int) -> int:
        return _scale(bound, held[asset, band.chain].decimals)

    # Surplus over target, in 18-decimal units; chains above high give first.
    surplus = {
        b.chain: min(effective[asset, b.chain] - level(b, b.target), spendable[asset, b.chain])
        for b in bands
    }
    above_high = {b.chain for b in bands if effective[asset, b.chain] > level(b, b.high)}
    receivers = sorted(
        (b for b in bands if effective[asset, b.chain] < level(b, b.low)),
        key=lambda b: effective[asset, b.chain] - level(b, b.target),  # deepest first
    )
    max_common = _usd_cap(max_usd, price_usd)
    inbound = set(busy)
    moves: list[Move] = []
    for receiver in receivers:
        if (asset, receiver.chain) in busy:
            continue
        need = level(receiver, receiver.target) - effective[asset, receiver.chain]
        # A chain with a transfer on its way in gives nothing: no ping-pong of one surplus.
        givers = [
            c
            for c in surplus
            if c != receiver.chain and surplus[c] > 0 and (asset, c) not in inbound
        ]
        if not givers:
            break
        giver = max(givers, key=lambda c: (c in above_high, surplus[c], c))
        src = held[asset, giver]
        dst = held[asset, receiver.chain]
        give = min(need, surplus[giver], max_common)
        amount_in = _unscale(give, src.decimals, up=False)
        if amount_in <= 0 or _usd(give, price_usd) < min_usd:
            continue
        max_in = _unscale(min(surplus[giver], max_common), src.decimals, up=False)
        # One transfer per sender a round: the fee's gross-up may take it up to `max_in`,
        # which no other move of this round may then count on.
        del surplus[giver]
        effective[asset, receiver.chain] += give
        busy.add((asset, receiver.chain))
        moves.append(
            Move(
                asset=asset,
                src_chain=giver,
                dst_chain=receiver.chain,
                amount_in=amount_in,
                need_out=_unscale(need, dst.decimals, up=True),
                max_in=max_in,
            )
        )
    return moves


def _usd(common_amount: int, price_usd: float) -> float:
    return common_amount / _ONE * price_usd


def _usd_cap(max_usd: float, price_usd: float) -> int:
    """`max_usd` worth of the asset, in 18-decimal units (no cap without a price)."""
    if price_usd <= 0 or max_usd == float("inf"):
        return 2**255
    return int(max_usd / price_usd * _ONE)


def gross_up(move: Move, quote: BridgeQuote) -> int:
    """The input that delivers `move.need_out` after the bridge's fee, assuming the fee scales
    with the amount as `quote`'s did; at most `move.max_in`, at least the quoted input."""
    if quote.amount_out <= 0 or quote.amount_out >= move.need_out:
        return quote.amount_in
    wanted = -(-move.need_out * quote.amount_in // quote.amount_out)
    return max(quote.amount_in, min(wanted, move.max_in))


def route_cost_usd(
    quote: BridgeQuote, *, token_decimals: int, price_usd: float, gas_usd_per_unit: float
) -> RouteChoice:
    """What `quote` costs in USD: its fee (source token) and its source gas."""
    fee_usd = quote.fee_in / 10**token_decimals * price_usd
    return RouteChoice(quote=quote, fee_usd=fee_usd, gas_usd=quote.gas_units * gas_usd_per_unit)


def choose_route(
    quotes: Sequence[BridgeQuote],
    *,
    token_decimals: int,
    price_usd: float,
    gas_usd_per_unit: float,
) -> RouteChoice | None:
    """The cheapest of `quotes` (fee + gas in USD), the faster on a tie; None without one."""
    costed = [
        route_cost_usd(
            q, token_decimals=token_decimals, price_usd=price_usd, gas_usd_per_unit=gas_usd_per_unit
        )
        for q in quotes
    ]
    if not costed:
        return None
    return min(costed, key=lambda c: (c.cost_usd, c.quote.expected_delay_s, c.quote.bridge))

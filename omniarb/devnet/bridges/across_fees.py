"""What the devnet's Across relayer charges, shared by its quote API and its fill decision so
that a deposit made at a quote's `outputAmount` is always one the relayer fills.

The fee is taken in the input token: `fee_bps` of the amount (rounded up: the relayer never
charges less than it says) plus a fixed part worth `fixed_fee_usd` at the devnet's reference
price of the asset (`omniarb.devnet.catalog.REFERENCE_PRICES_USD`), standing in for the
relayer's gas on the destination. What is left is converted to the output token's decimals
(rounded down): both tokens must be the same asset (USDC has 6 decimals on Ethereum and 18 on
BNB Chain).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from omniarb.devnet.catalog import REFERENCE_PRICES_USD
from omniarb.devnet.pricing import amount_for_usd
from omniarb.errors import RejectedError
from omniarb.network import Manifest, TokenEntry

__all__ = ["AcrossFee", "AcrossFees", "AcrossParams", "AcrossRoute"]

_BPS = 10_000


@dataclass(frozen=True, slots=True, kw_only=True)
class AcrossParams:
    """The devnet relayer's settings (`[devnet.bridges]`): `delay_s` after a deposit is mined
    before it is filled, the fee (`fee_bps` of the amount plus `fixed_fee_usd`), and how often
    the relayer polls the chains (`poll_s`)."""

    delay_s: float = 3.0
    fee_bps: int = 5
    fixed_fee_usd: Fraction = Fraction(1, 2)
    poll_s: float = 0.25

    def __post_init__(self) -> None:
        if self.delay_s < 0 or self.poll_s <= 0:
            raise ValueError(f"delay_s must be >= 0 and poll_s > 0: {self}")
        if not 0 <= self.fee_bps < _BPS or self.fixed_fee_usd < 0:
            raise ValueError(f"fee_bps must be in [0, 10000) and fixed_fee_usd >= 0: {self}")


@dataclass(frozen=True, slots=True, kw_only=True)
class AcrossRoute:
    """The input token on the origin chain and the output token on the destination."""

    origin_chain_id: int
    destination_chain_id: int
    token_in: TokenEntry
    token_out: TokenEntry


@dataclass(frozen=True, slots=True, kw_only=True)
class AcrossFee:
    """The fee on `amount_in` (input-token base units) and the output it leaves."""

    amount_in: int
    capital_fee_in: int
    gas_fee_in: int
    output_amount: int

    @property
    def total_fee_in(self) -> int:
        return self.capital_fee_in + self.gas_fee_in


class AcrossFees:
    """The relayer's prices over the tokens of a devnet's manifest."""

    def __init__(self, manifest: Manifest, params: AcrossParams) -> None:
        self.params = params
        self._tokens = {
            (chain.chain_id, token.address.lower()): token
            for chain in manifest.chains
            for token in chain.tokens
        }

    def route(
        self, origin_chain_id: int, input_token: str, destination_chain_id: int, output_token: str
    ) -> AcrossRoute:
        """The route between two token addresses; `RejectedError` when either is unknown or
        they are different assets (the relayer only moves an asset to itself)."""
        token_in = self._tokens.get((origin_chain_id, input_token.lower()))
        token_out = self._tokens.get((destination_chain_id, output_token.lower()))
        if token_in is None or token_out is None:
            raise RejectedError(
                f"no devnet token {input_token} on chain {origin_chain_id} or "
                f"{output_token} on chain {destination_chain_id}"
            )
        if origin_chain_id == destination_chain_id:
            raise RejectedError(f"origin and destination are the same chain ({origin_chain_id})")
        if token_in.asset != token_out.asset or token_in.asset not in REFERENCE_PRICES_USD:
            raise RejectedError(
                f"the relayer does not move {token_in.symbol} ({token_in.asset}) to "
                f"{token_out.symbol} ({token_out.asset})"
            )
        return AcrossRoute(
            origin_chain_id=origin_chain_id,
            destination_chain_id=destination_chain_id,
            token_in=token_in,
            token_out=token_out,
        )

    def gas_fee_in(self, token_in: TokenEntry) -> int:
        """The fixed part in input-token base units."""
        price_usd = REFERENCE_PRICES_USD[token_in.asset]
        return amount_for_usd(self.params.fixed_fee_usd, price_usd, token_in.decimals)

    def fee(self, route: AcrossRoute, amount_in: int) -> AcrossFee:
        """The fee on `amount_in` and the output it leaves (0 when the fee eats it all)."""
        capital = -(-amount_in * self.params.fee_bps // _BPS)
        gas = self.gas_fee_in(route.token_in)
        left_in = max(amount_in - capital - gas, 0)
        output = left_in * 10**route.token_out.decimals // 10**route.token_in.decimals
        return AcrossFee(
            amount_in=amount_in, capital_fee_in=capital, gas_fee_in=gas, output_amount=output
        )

    def min_deposit(self, route: AcrossRoute) -> int:
        """The smallest amount worth sending: the fixed fee twice over."""
        return 2 * self.gas_fee_in(route.token_in) + 1

    def pays_fee(self, route: AcrossRoute, input_amount: int, output_amount: int) -> bool:
        """Whether a deposit of `input_amount` asking `output_amount` leaves the relayer its
        fee: it must ask no more than the quote's output."""
        return 0 < output_amount <= self.fee(route, input_amount).output_amount

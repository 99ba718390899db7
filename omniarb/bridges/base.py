"""What every bridge adapter offers: quote a transfer, build its source-chain transactions, find
its deposit in a receipt, and see whether it has arrived.

An adapter only reads chains and builds calldata; it never signs or sends. The rebalancer
(`omniarb.crosschain.rebalancer`) signs the calls an adapter builds, records them before the
first broadcast and tracks the transfer with `find_deposit` and `arrival`, so every bridge gets
the same restart safety. Amounts are base units: `amount_in` of the source token, `amount_out`
of the destination token (their decimals may differ: USDC has 6 on Ethereum and 18 on BNB
Chain).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

__all__ = ["Arrival", "Bridge", "BridgeCall", "BridgeQuote", "Deposit", "TransferStatus"]


class TransferStatus(StrEnum):
    PLANNED = "planned"  # recorded with its signed transactions; maybe not broadcast yet
    SENT = "sent"  # broadcast, the deposit not yet seen mined
    DEPOSITED = "deposited"  # the deposit is mined; the bridge's id for it is known
    ARRIVED = "arrived"  # the recipient has received it on the destination chain
    STUCK = "stuck"  # past its deadline and not arrived: alerted, still tracked
    FAILED = "failed"  # the deposit reverted or can never be mined: nothing left the chain


@dataclass(frozen=True, slots=True, kw_only=True)
class BridgeQuote:
    """What moving `amount_in` of `token_in` from `src_chain` to `token_out` on `dst_chain`
    through `bridge` costs and takes. `fee_in` is the bridge's own fee in source-token base
    units; `gas_units` is the source transactions' gas; `expected_delay_s` is how long until
    the recipient holds `amount_out`; `expires_at` (unix seconds, 0: never) is when the quote
    stops being honoured (an Across quote's timestamp window); `fill_deadline` (unix seconds,
    0: none) is when the bridge gives up paying the recipient (Across: the deposit's
    `fillDeadline`, which the quote sets)."""

    bridge: str
    src_chain: str
    dst_chain: str
    token_in: str
    token_out: str
    amount_in: int
    amount_out: int
    fee_in: int
    gas_units: int
    expected_delay_s: float
    quote_timestamp: int = 0
    expires_at: int = 0
    fill_deadline: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class BridgeCall:
    """One transaction to send on the source chain, in order (an exact approval, then the
    deposit)."""

    to: str
    data: bytes
    value: int = 0
    gas: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Deposit:
    """A deposit the source chain has mined: the bridge's own id for it (Across: the deposit
    id; canonical: the message nonce) and what the recipient is owed."""

    bridge: str
    src_chain: str
    dst_chain: str
    tx_hash: str
    block_number: int
    deposit_id: str
    recipient: str
    token_out: str
    amount_out: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Arrival:
    """The destination-chain transaction that paid the recipient (Across: the relayer's fill;
    canonical: the finalization)."""

    tx_hash: str
    block_number: int
    amount_received: int


class Bridge(Protocol):
    """One bridge between the chains it serves (`supports`)."""

    @property
    def name(self) -> str: ...

    def supports(self, src_chain: str, dst_chain: str, token_in: str, token_out: str) -> bool:
        """Whether this bridge moves `token_in` on `src_chain` to `token_out` on `dst_chain`."""
        ...

    async def quote(
        self, src_chain: str, dst_chain: str, token_in: str, token_out: str, amount_in: int
    ) -> BridgeQuote:
        """The fee and delay of a transfer now (raises `RetryableError` when the bridge's
        quote source does not answer)."""
        ...

    def deposit_calls(
        self, quote: BridgeQuote, *, sender: str, recipient: str
    ) -> tuple[BridgeCall, ...]:
        """The source-chain transactions that send `quote` from `sender` to `recipient`."""
        ...

    async def find_deposit(self, src_chain: str, tx_hash: str) -> Deposit | None:
        """The deposit that `tx_hash` made, from its receipt; None while it is not mined (or
        when it made none: it reverted)."""
        ...

    async def arrival(self, deposit: Deposit) -> Arrival | None:
        """The destination transaction that paid `deposit`'s recipient, or None if none yet."""
        ...

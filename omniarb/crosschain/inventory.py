"""The inventory account's balances per (chain, token): read once, then kept from its own legs'
receipts and the transfers the rebalancer reports, so the detector sizes trades without a node
round trip.

    book = InventoryBook()
    await book.load(chain="ethereum", rpc=rpc, account=inventory, tokens=[weth, usdc])
    book.apply_legs([sell, buy])             # a settled trade's legs (receipts' Transfer logs)
    book.apply_transfer("arbitrum", usdc, +5_000 * 10**6)   # a bridge arrival (the rebalancer)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.crosschain.leg_result import LegResult

__all__ = ["InventoryBook"]

log = logging.getLogger(__name__)


class InventoryBook:
    """Balances in base units by (chain, lower-case token address)."""

    def __init__(self) -> None:
        self._balances: dict[tuple[str, str], int] = {}

    async def load(
        self, *, chain: str, rpc: RpcClient, account: str, tokens: Sequence[str]
    ) -> None:
        """Read the account's balance of each token on `chain` (its `balanceOf`, latest)."""
        answers = await asyncio.gather(
            *(
                rpc.call(
                    "eth_call",
                    {"to": token, "data": encode_call("balanceOf(address)", account)},
                    "latest",
                )
                for token in tokens
            ),
            return_exceptions=True,
        )
        for token, answer in zip(tokens, answers, strict=True):
            if isinstance(answer, BaseException):  # not a token it can hold (a trap, a typo)
                log.warning("%s: balance of %s unreadable: %s", chain, token, answer)
                continue
            self._balances[(chain, token.lower())] = int(decode(["uint256"], answer)[0])

    def balance(self, chain: str, token: str) -> int:
        return self._balances.get((chain, token.lower()), 0)

    def apply_transfer(self, chain: str, token: str, delta: int) -> int:
        """A transfer in (positive) or out (negative) of the account, e.g. by the rebalancer;
        returns the new balance."""
        key = (chain, token.lower())
        self._balances[key] = self._balances.get(key, 0) + delta
        return self._balances[key]

    def apply_legs(self, legs: Iterable[LegResult]) -> None:
        """A trade's settled legs: what each paid in and received, by its receipt."""
        for leg in legs:
            if leg.spent_in:
                self.apply_transfer(leg.chain, leg.token_in, -leg.spent_in)
            if leg.realized_out:
                self.apply_transfer(leg.chain, leg.token_out, leg.realized_out)

    def snapshot(self) -> dict[tuple[str, str], int]:
        """Every balance, for the detector's `inventory`."""
        return dict(self._balances)

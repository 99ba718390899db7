"""The revert of a Uniswap V3 pool or library, as our `RevertError`."""

from __future__ import annotations

from omniarb.errors import RevertError

__all__ = ["V3RevertError"]


class V3RevertError(RevertError):
    """A v3-core `require` failed; `reason` is the contract's revert string.

    v3-core's short codes are kept as they are (`T`, `R`, `LOK`, `SPL`, `AS`, `LS`, `LA`), so a
    reader can grep the Solidity for them; a bare `require` without a string gets a short
    description of the condition instead, prefixed with the library function's name.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(f"Uniswap V3 reverted: {reason}")
        self.reason = reason

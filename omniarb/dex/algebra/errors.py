"""The revert of an Algebra Integral pool or library, as our `RevertError`."""

from __future__ import annotations

from omniarb.errors import RevertError

__all__ = ["AlgebraRevertError"]


class AlgebraRevertError(RevertError):
    """An Algebra Integral pool or library reverted; `reason` names why.

    Integral reverts with custom errors (`IAlgebraPoolErrors`): `reason` is the error's name as
    the Solidity spells it (`invalidLimitSqrtPrice`, `zeroAmountRequired`, `liquiditySub`, ...),
    so a reader can grep the sources for it. A bare `require` gets a short description of the
    condition instead, prefixed with the library function's name.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(f"Algebra Integral reverted: {reason}")
        self.reason = reason

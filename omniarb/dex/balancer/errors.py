"""The revert of a Balancer V2 pool, math library or the Vault, as our `RevertError`."""

from __future__ import annotations

from omniarb.errors import RevertError

__all__ = [
    "ADD_OVERFLOW",
    "BALANCE_TOTAL_OVERFLOW",
    "CANNOT_SWAP_SAME_TOKEN",
    "DIV_INTERNAL",
    "INVALID_EXPONENT",
    "MAX_IN_RATIO",
    "MAX_OUT_RATIO",
    "MUL_OVERFLOW",
    "OUT_OF_BOUNDS",
    "PAUSED",
    "PRODUCT_OUT_OF_BOUNDS",
    "STABLE_GET_BALANCE_DIDNT_CONVERGE",
    "STABLE_INVARIANT_DIDNT_CONVERGE",
    "SUB_OVERFLOW",
    "TOKEN_NOT_REGISTERED",
    "UNKNOWN_AMOUNT_IN_FIRST_SWAP",
    "X_OUT_OF_BOUNDS",
    "Y_OUT_OF_BOUNDS",
    "ZERO_DIVISION",
    "BalancerRevertError",
]

# The codes of v2-interfaces `BalancerErrors.sol` (`Errors` library) that a swap can hit.
ADD_OVERFLOW = 0
SUB_OVERFLOW = 1
MUL_OVERFLOW = 3
ZERO_DIVISION = 4
DIV_INTERNAL = 5
X_OUT_OF_BOUNDS = 6
Y_OUT_OF_BOUNDS = 7
PRODUCT_OUT_OF_BOUNDS = 8
INVALID_EXPONENT = 9
OUT_OF_BOUNDS = 100
MAX_IN_RATIO = 304
PAUSED = 402
MAX_OUT_RATIO = 305
STABLE_INVARIANT_DIDNT_CONVERGE = 321
STABLE_GET_BALANCE_DIDNT_CONVERGE = 322
CANNOT_SWAP_SAME_TOKEN = 509
UNKNOWN_AMOUNT_IN_FIRST_SWAP = 510
TOKEN_NOT_REGISTERED = 521
BALANCE_TOTAL_OVERFLOW = 526


class BalancerRevertError(RevertError):
    """A Balancer `_require` failed with error `code`; the contract's revert string is
    `BAL#` and the code in three digits (`BalancerErrors.sol`, `_revert`), kept in `reason`
    so a caller can compare it with a node's revert message."""

    def __init__(self, code: int) -> None:
        self.code = code
        self.reason = f"BAL#{code:03d}"
        super().__init__(f"Balancer reverted: {self.reason}")

    def __reduce__(self) -> tuple[type[BalancerRevertError], tuple[int]]:
        return (type(self), (self.code,))

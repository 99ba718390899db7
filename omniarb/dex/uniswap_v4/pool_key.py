"""v4-core `PoolKey` and `PoolId`: what names a V4 pool inside the singleton PoolManager.

A V4 pool has no contract of its own: the PoolManager holds every pool's state under
`PoolId = keccak256(abi.encode(PoolKey))` (`types/PoolId.sol`, `PoolIdLibrary.toId`, which
hashes the key's five 32-byte words). The native coin is the currency `address(0)`
(`types/Currency.sol`, `CurrencyLibrary.ADDRESS_ZERO`), which therefore always sorts first.

The rest of omni-arb names pools by a 20-byte address (`PoolIdentity.address`, and every map
of pool states by lowercase address). A V4 pool is named there by `pool_address(pool_id)`, the
leading 20 bytes of its id: unique per pool (a collision needs a 160-bit keccak collision), so
states, histories and routes keyed by address keep working, while the PoolManager's address
(which all pools share, so it cannot name one) is the state's `factory`, and the full `key`
and `pool_id` ride along in the state for the executor.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

__all__ = [
    "DYNAMIC_FEE_FLAG",
    "NATIVE_CURRENCY",
    "PoolKey",
    "pool_address",
]

# `CurrencyLibrary.ADDRESS_ZERO`: the native coin as a currency.
NATIVE_CURRENCY = "0x0000000000000000000000000000000000000000"
# `LPFeeLibrary.DYNAMIC_FEE_FLAG`: a key's fee of exactly this marks a dynamic-fee pool.
DYNAMIC_FEE_FLAG = 0x800000
_INT24_LIMIT = 1 << 23
_UINT24_LIMIT = 1 << 24


@dataclass(frozen=True, slots=True, kw_only=True)
class PoolKey:
    """`struct PoolKey { Currency currency0; Currency currency1; uint24 fee; int24 tickSpacing;
    IHooks hooks; }` with checksummed addresses; `currency0` sorts strictly below `currency1`
    (`PoolManager.initialize` reverts `CurrenciesOutOfOrderOrEqual` otherwise). `fee` is the
    LP fee in pips, or `DYNAMIC_FEE_FLAG`."""

    currency0: str
    currency1: str
    fee: int
    tick_spacing: int
    hooks: str = NATIVE_CURRENCY

    def __post_init__(self) -> None:
        object.__setattr__(self, "currency0", str(to_checksum_address(self.currency0)))
        object.__setattr__(self, "currency1", str(to_checksum_address(self.currency1)))
        object.__setattr__(self, "hooks", str(to_checksum_address(self.hooks)))
        if int(self.currency0, 16) >= int(self.currency1, 16):
            raise ValueError(f"currency0 {self.currency0} must sort below {self.currency1}")
        if not 0 <= self.fee < _UINT24_LIMIT:
            raise ValueError(f"fee {self.fee} is not a uint24")
        if not -_INT24_LIMIT <= self.tick_spacing < _INT24_LIMIT:
            raise ValueError(f"tick spacing {self.tick_spacing} is not an int24")

    @classmethod
    def of(
        cls,
        token_a: str,
        token_b: str,
        *,
        fee: int,
        tick_spacing: int,
        hooks: str = NATIVE_CURRENCY,
    ) -> PoolKey:
        """The key of the pool between `token_a` and `token_b` in either order."""
        if int(token_a, 16) > int(token_b, 16):
            token_a, token_b = token_b, token_a
        return cls(
            currency0=token_a, currency1=token_b, fee=fee, tick_spacing=tick_spacing, hooks=hooks
        )

    def encode(self) -> bytes:
        """`abi.encode(key)`: five 32-byte words (addresses and uint24 left-padded with zeros,
        the int24 sign-extended)."""
        return b"".join(
            (
                int(self.currency0, 16).to_bytes(32, "big"),
                int(self.currency1, 16).to_bytes(32, "big"),
                self.fee.to_bytes(32, "big"),
                self.tick_spacing.to_bytes(32, "big", signed=True),
                int(self.hooks, 16).to_bytes(32, "big"),
            )
        )

    def as_tuple(self) -> tuple[str, str, int, int, str]:
        """The key as the ABI encoder takes the tuple `(address,address,uint24,int24,address)`."""
        return self.currency0, self.currency1, self.fee, self.tick_spacing, self.hooks

    @property
    def pool_id(self) -> str:
        """`PoolIdLibrary.toId`: keccak256 of the key's ABI encoding, 0x and 64 hex digits."""
        return "0x" + keccak(self.encode()).hex()

    @property
    def has_hooks(self) -> bool:
        return int(self.hooks, 16) != 0

    @property
    def is_dynamic_fee(self) -> bool:
        """`LPFeeLibrary.isDynamicFee`: the pool's LP fee is set by its hook, not its key."""
        return self.fee == DYNAMIC_FEE_FLAG

    @property
    def has_native(self) -> bool:
        """Whether one side is the native coin (always `currency0`, as address 0 sorts first)."""
        return int(self.currency0, 16) == 0


def pool_address(pool_id: str) -> str:
    """The 20-byte name of the pool with id `pool_id` (its leading 20 bytes), checksummed: how
    a V4 pool fills the `address` every pool state has (see the module docstring)."""
    digits = pool_id.removeprefix("0x")
    if len(digits) != 64:
        raise ValueError(f"a pool id has 32 bytes, got {pool_id!r}")
    return str(to_checksum_address("0x" + digits[:40]))

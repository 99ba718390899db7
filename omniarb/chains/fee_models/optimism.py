"""Optimism's L1 data fee with the Fjord formula, from the L1 prices the L1Block predeploy holds.

OP Stack specs, Fjord `exec-engine.md` ("Fjord L1-Cost fee changes (FastLZ estimator)"):

    l1FeeScaled         = baseFeeScalar·l1BaseFee·16 + blobBaseFeeScalar·blobBaseFee
    estimatedSizeScaled = max(100·10^6, −42_585_600 + 836_500·fastlzSize)
    l1Fee               = estimatedSizeScaled · l1FeeScaled / 10^12     (integer division)

The node prices the FastLZ length of the signed transaction; the GasPriceOracle predeploy's
`getL1Fee(bytes)` takes the unsigned one and adds 68 bytes for the signature
(contracts-bedrock `GasPriceOracle._getL1FeeFjord`), and `getL1FeeUpperBound(uint256)` bounds
it from the unsigned size alone (`size + 68`, plus `/255 + 16` FastLZ's worst case): the
detector's estimate, with no compression to run per cycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.fee_models._fastlz import flz_compress_len
from omniarb.chains.rpc import RpcClient

__all__ = [
    "FJORD_FASTLZ_COEF",
    "FJORD_INTERCEPT",
    "FJORD_MIN_TX_SIZE",
    "SIGNATURE_BYTES",
    "OpL1Prices",
    "fjord_l1_fee_wei",
    "op_l1_price_requests",
    "op_l1_prices_of",
    "read_op_l1_prices",
    "read_oracle_l1_fee_wei",
]

FJORD_INTERCEPT = -42_585_600  # scaled by 10^6
FJORD_FASTLZ_COEF = 836_500  # scaled by 10^6
FJORD_MIN_TX_SIZE = 100  # bytes
_SCALE = 10**6
# What an unsigned transaction lacks: the signature's y parity, r and s with their RLP headers.
SIGNATURE_BYTES = 68

# L1Block (0x4200…0015) getters, in the order `read_op_l1_prices` batches them.
_L1_BLOCK_GETTERS = ("basefee()", "blobBaseFee()", "baseFeeScalar()", "blobBaseFeeScalar()")


@dataclass(frozen=True, slots=True, kw_only=True)
class OpL1Prices:
    """The L1 prices an OP Stack chain charges data with, as its L1Block predeploy holds them
    (scalars are scaled by 10^6, as the chain's configuration sets them)."""

    l1_base_fee_wei: int
    blob_base_fee_wei: int
    base_fee_scalar: int
    blob_base_fee_scalar: int

    @property
    def fee_scaled(self) -> int:
        """`l1FeeScaled`: what one byte of estimated size costs, times 10^12 / 10^6."""
        return (
            self.base_fee_scalar * self.l1_base_fee_wei * 16
            + self.blob_base_fee_scalar * self.blob_base_fee_wei
        )

    def l1_fee_of_fastlz_size(self, fastlz_size: int) -> int:
        """The Fjord L1 fee of a transaction whose signed form compresses to `fastlz_size`."""
        return fjord_l1_fee_wei(self, fastlz_size)

    def l1_fee_of_signed(self, signed_tx: bytes) -> int:
        """What the node charges a signed transaction (its receipt's `l1Fee`)."""
        return fjord_l1_fee_wei(self, flz_compress_len(signed_tx))

    def l1_fee_of_unsigned(self, unsigned_tx: bytes) -> int:
        """`GasPriceOracle.getL1Fee(unsigned_tx)`: the FastLZ length plus the signature's 68."""
        return fjord_l1_fee_wei(self, flz_compress_len(unsigned_tx) + SIGNATURE_BYTES)

    def l1_fee_upper_bound(self, unsigned_tx_size: int) -> int:
        """`GasPriceOracle.getL1FeeUpperBound(size)`: no compression run, a bound on 99.99% of
        transactions of that unsigned size."""
        size = unsigned_tx_size + SIGNATURE_BYTES
        return fjord_l1_fee_wei(self, size + size // 255 + 16)


def fjord_l1_fee_wei(prices: OpL1Prices, fastlz_size: int) -> int:
    """The Fjord L1 cost for a FastLZ length (the formula of this module's docstring)."""
    if fastlz_size < 0:
        raise ValueError(f"fastlz_size must be >= 0, got {fastlz_size}")
    estimated_size_scaled = max(
        FJORD_MIN_TX_SIZE * _SCALE, FJORD_INTERCEPT + FJORD_FASTLZ_COEF * fastlz_size
    )
    return estimated_size_scaled * prices.fee_scaled // (_SCALE * _SCALE)


def op_l1_price_requests(l1_block: str, tag: str = "latest") -> list[tuple[str, list[Any]]]:
    """The eth_calls of the L1Block's prices at `tag`, to batch (`op_l1_prices_of` reads the
    answers)."""
    return [
        ("eth_call", [{"to": l1_block, "data": encode_call(getter)}, tag])
        for getter in _L1_BLOCK_GETTERS
    ]


def op_l1_prices_of(answers: Sequence[str]) -> OpL1Prices:
    """The prices from the answers to `op_l1_price_requests`, in its order."""
    base_fee, blob_fee, scalar, blob_scalar = (int(decode(["uint256"], a)[0]) for a in answers)
    return OpL1Prices(
        l1_base_fee_wei=base_fee,
        blob_base_fee_wei=blob_fee,
        base_fee_scalar=scalar,
        blob_base_fee_scalar=blob_scalar,
    )


async def read_op_l1_prices(
    rpc: RpcClient, l1_block: str, *, block: str | int = "latest"
) -> OpL1Prices:
    """The L1 prices the L1Block predeploy at `l1_block` holds at `block`, in one batch."""
    tag = block if isinstance(block, str) else hex(block)
    return op_l1_prices_of(await rpc.batch(op_l1_price_requests(l1_block, tag)))


async def read_oracle_l1_fee_wei(
    rpc: RpcClient, oracle: str, unsigned_tx: bytes, *, block: str | int = "latest"
) -> int:
    """`GasPriceOracle.getL1Fee(unsigned_tx)` at `block`: the chain's own answer."""
    tag = block if isinstance(block, str) else hex(block)
    answer = await rpc.call(
        "eth_call", {"to": oracle, "data": encode_call("getL1Fee(bytes)", unsigned_tx)}, tag
    )
    return int(decode(["uint256"], answer)[0])

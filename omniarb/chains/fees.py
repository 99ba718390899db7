"""Gas fees a transaction bids, from the latest block's base fee plus a per-chain tip.

EIP-1559 chains get `max_fee_per_gas = 2 * base_fee + tip` and `max_priority_fee_per_gas = tip`:
doubling the base fee keeps the transaction valid through five consecutive full blocks (each
raises the base fee by at most 12.5%, EIP-1559 `BASE_FEE_MAX_CHANGE_DENOMINATOR`; 1.125**5 < 2),
while what it pays is still only `base_fee + tip`. Legacy chains (BNB Chain) get one
`gas_price = base + tip`, where the base is the block's base fee when it has one and
`eth_gasPrice` otherwise.

The pure functions take numbers, so the detector can price gas from the base fee a `PoolUpdate`
already carries; `read_fees` is the one RPC reader for everything else.
"""

from __future__ import annotations

from dataclasses import dataclass

from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import FeeModel
from omniarb.errors import RpcTransportError

__all__ = [
    "BASE_FEE_MULTIPLIER",
    "Eip1559Fees",
    "Fees",
    "LegacyFees",
    "effective_gas_price_wei",
    "eip1559_fees",
    "fees_for",
    "legacy_fees",
    "read_base_fee_wei",
    "read_fees",
]

BASE_FEE_MULTIPLIER = 2


def _check_non_negative(**values: int) -> None:
    for name, value in values.items():
        if value < 0:
            raise ValueError(f"{name} must be >= 0, got {value}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Eip1559Fees:
    """A type-2 transaction's fee caps."""

    max_fee_per_gas_wei: int
    max_priority_fee_per_gas_wei: int

    @property
    def fee_cap_wei(self) -> int:
        """The most the transaction can pay per gas."""
        return self.max_fee_per_gas_wei

    @property
    def tip_wei(self) -> int:
        return self.max_priority_fee_per_gas_wei


@dataclass(frozen=True, slots=True, kw_only=True)
class LegacyFees:
    """A legacy transaction's gas price; `tip_wei` is the part of it above the base, for records."""

    gas_price_wei: int
    tip_wei: int

    @property
    def fee_cap_wei(self) -> int:
        """The most the transaction can pay per gas: a legacy transaction always pays it."""
        return self.gas_price_wei


Fees = Eip1559Fees | LegacyFees


def eip1559_fees(*, base_fee_wei: int, tip_wei: int) -> Eip1559Fees:
    """Fee caps that survive a few rising blocks: `2 * base_fee + tip`, tip `tip`."""
    _check_non_negative(base_fee_wei=base_fee_wei, tip_wei=tip_wei)
    return Eip1559Fees(
        max_fee_per_gas_wei=BASE_FEE_MULTIPLIER * base_fee_wei + tip_wei,
        max_priority_fee_per_gas_wei=tip_wei,
    )


def legacy_fees(*, base_price_wei: int, tip_wei: int) -> LegacyFees:
    """A legacy gas price: the base (block base fee or `eth_gasPrice`) plus the tip."""
    _check_non_negative(base_price_wei=base_price_wei, tip_wei=tip_wei)
    return LegacyFees(gas_price_wei=base_price_wei + tip_wei, tip_wei=tip_wei)


def fees_for(fee_model: FeeModel, *, base_fee_wei: int, tip_wei: int) -> Fees:
    """The fees a chain's transactions bid for a known base fee (e.g. `PoolUpdate.base_fee_wei`).

    On a legacy chain the base fee stands for the gas price; where blocks carry no base fee (0),
    use `read_fees`, which falls back to `eth_gasPrice`.
    """
    if fee_model is FeeModel.LEGACY:
        return legacy_fees(base_price_wei=base_fee_wei, tip_wei=tip_wei)
    return eip1559_fees(base_fee_wei=base_fee_wei, tip_wei=tip_wei)


def effective_gas_price_wei(fees: Fees, *, base_fee_wei: int) -> int:
    """What one unit of gas will cost in a block with `base_fee_wei`, to price a trade's gas.

    EIP-1559 pays `min(max_fee, base_fee + tip)` (EIP-1559, "effective_gas_price"); legacy pays
    its gas price.
    """
    if isinstance(fees, LegacyFees):
        return fees.gas_price_wei
    return min(fees.max_fee_per_gas_wei, base_fee_wei + fees.max_priority_fee_per_gas_wei)


async def read_base_fee_wei(rpc: RpcClient) -> int:
    """The latest block's `baseFeePerGas`, 0 when the chain has none (pre-London, BNB Chain)."""
    block = await rpc.call("eth_getBlockByNumber", "latest", False)
    if not isinstance(block, dict):
        raise RpcTransportError("eth_getBlockByNumber returned no latest block", url=rpc.url)
    return int(block.get("baseFeePerGas") or "0x0", 16)


async def read_fees(rpc: RpcClient, *, fee_model: FeeModel, tip_wei: int) -> Fees:
    """The fees to bid now, from the latest block (and `eth_gasPrice` on a legacy chain without
    a base fee)."""
    base_fee_wei = await read_base_fee_wei(rpc)
    if fee_model is not FeeModel.LEGACY:
        return eip1559_fees(base_fee_wei=base_fee_wei, tip_wei=tip_wei)
    if base_fee_wei == 0:
        base_fee_wei = int(await rpc.call("eth_gasPrice"), 16)
    return legacy_fees(base_price_wei=base_fee_wei, tip_wei=tip_wei)

"""Arbitrum's L1 component: what posting a transaction's data to L1 costs, paid as extra L2 gas.

ArbOS charges a transaction `gasEstimateForL1` units of L2 gas on top of its execution, at the
L2 base fee (a priority fee is ignored): the poster's L1 cost divided by the base fee. Two
precompiles answer for it:

- `NodeInterface` (0x…C8, eth_call only): `gasEstimateL1Component(address to, bool
  contractCreation, bytes data) returns (uint64 gasEstimateForL1, uint256 baseFee, uint256
  l1BaseFeeEstimate)` prices one transaction exactly as the sequencer would now;
- `ArbGasInfo` (0x…6C): `getPricesInWei()` returns (per L2 transaction, per L1 calldata byte,
  per storage allocation, per ArbGas base, per ArbGas congestion, per ArbGas total) and
  `getL1BaseFeeEstimate()` the L1 base fee ArbOS assumes; the per-byte price prices a route's
  calldata between blocks without a call per cycle.

Arbitrum prices the brotli-compressed size of the transaction plus a fixed allowance
(`TX_FIXED_L1_BYTES`, ArbOS's estimate padding for the signature and envelope); the per-byte
estimate uses the uncompressed size, so it never understates the cost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient

__all__ = [
    "TX_FIXED_L1_BYTES",
    "ArbL1Component",
    "ArbL1Prices",
    "arb_l1_price_requests",
    "arb_l1_prices_of",
    "read_arb_l1_prices",
    "read_l1_component",
]

TX_FIXED_L1_BYTES = 140

_PRICES = "getPricesInWei()"
_L1_BASE_FEE = "getL1BaseFeeEstimate()"
_COMPONENT = "gasEstimateL1Component(address,bool,bytes)"


@dataclass(frozen=True, slots=True, kw_only=True)
class ArbL1Prices:
    """ArbGasInfo's prices: per L1 calldata byte (in wei) and the L1 base fee estimate."""

    per_l1_calldata_byte_wei: int
    l1_base_fee_estimate_wei: int

    def l1_fee_estimate_wei(self, tx_size: int) -> int:
        """The L1 cost of a transaction of `tx_size` uncompressed bytes (an upper estimate)."""
        return self.per_l1_calldata_byte_wei * (tx_size + TX_FIXED_L1_BYTES)


@dataclass(frozen=True, slots=True, kw_only=True)
class ArbL1Component:
    """`NodeInterface.gasEstimateL1Component`'s answer for one transaction."""

    gas_for_l1: int
    base_fee_wei: int
    l1_base_fee_estimate_wei: int

    @property
    def l1_fee_wei(self) -> int:
        """What the L1 component costs: its gas at the L2 base fee."""
        return self.gas_for_l1 * self.base_fee_wei


def arb_l1_price_requests(arb_gas_info: str) -> list[tuple[str, list[Any]]]:
    """The eth_calls of ArbGasInfo's prices, to batch (`arb_l1_prices_of` reads the answers)."""
    return [
        ("eth_call", [{"to": arb_gas_info, "data": encode_call(getter)}, "latest"])
        for getter in (_PRICES, _L1_BASE_FEE)
    ]


def arb_l1_prices_of(answers: Sequence[str]) -> ArbL1Prices:
    """The prices from the answers to `arb_l1_price_requests`, in its order."""
    prices, base_fee = answers
    return ArbL1Prices(
        per_l1_calldata_byte_wei=int(decode(["uint256"] * 6, prices)[1]),
        l1_base_fee_estimate_wei=int(decode(["uint256"], base_fee)[0]),
    )


async def read_arb_l1_prices(rpc: RpcClient, arb_gas_info: str) -> ArbL1Prices:
    """ArbGasInfo's per-byte price and L1 base fee estimate, in one batch."""
    return arb_l1_prices_of(await rpc.batch(arb_l1_price_requests(arb_gas_info)))


async def read_l1_component(
    rpc: RpcClient,
    node_interface: str,
    *,
    to: str,
    data: bytes,
    block: str | int = "latest",
) -> ArbL1Component:
    """NodeInterface's L1 component of a call of `to` with `data`, at `block`."""
    tag = block if isinstance(block, str) else hex(block)
    answer = await rpc.call(
        "eth_call",
        {"to": node_interface, "data": encode_call(_COMPONENT, to, False, data)},
        tag,
    )
    gas_for_l1, base_fee, l1_base_fee = decode(["uint64", "uint256", "uint256"], answer)
    return ArbL1Component(
        gas_for_l1=int(gas_for_l1),
        base_fee_wei=int(base_fee),
        l1_base_fee_estimate_wei=int(l1_base_fee),
    )

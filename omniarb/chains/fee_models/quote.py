"""A chain's fee prices as of one block: the value the detector reads on the hot path.

A `FeeQuote` is refreshed once per block (`FeeOracle.refresh`, one batched request) and read
per cycle with no node round trip: the tip to bid, the block's base fee, and the L1 data price
where the chain has one, which prices a transaction of a given size with plain arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass

from omniarb.chains.fee_models.arbitrum import ArbL1Prices
from omniarb.chains.fee_models.optimism import OpL1Prices
from omniarb.chains.fees import Fees, fees_for
from omniarb.chains.spec import FeeModel

__all__ = ["TX_ENVELOPE_BYTES", "FeeQuote", "L1Prices", "route_tx_bytes"]

L1Prices = OpL1Prices | ArbL1Prices

# An executor transaction's unsigned type-2 envelope around its calldata: type byte, list and
# data headers, chain id, nonce, two fee caps, gas limit, destination, value, access list (a
# generous bound: each integer field at its largest plausible width).
TX_ENVELOPE_BYTES = 72
# `execute(bytes plan)`: selector, ABI offset and length; the plan's fixed part (source, amount
# in, minimum profit, deadline block) and 64 bytes per hop plus one 64-byte lender record
# (`omniarb.execute.route_codec`), padded to 32 bytes.
_CALL_HEAD_BYTES = 4 + 32 + 32
_PLAN_HEAD_BYTES = 41
_PLAN_ENTRY_BYTES = 64


def route_tx_bytes(hops: int) -> int:
    """An upper bound on the unsigned size of an executor transaction for `hops` hops."""
    plan = _PLAN_HEAD_BYTES + _PLAN_ENTRY_BYTES * (hops + 1)
    return TX_ENVELOPE_BYTES + _CALL_HEAD_BYTES + plan + (-plan % 32)


@dataclass(frozen=True, slots=True, kw_only=True)
class FeeQuote:
    """What gas costs on a chain as of `block_number`: `base_fee_wei` (0 where blocks have
    none), the `tip_wei` to bid (the whole gas price on BNB Chain), and `l1` (None on an L1)."""

    chain_id: int
    block_number: int
    fee_model: FeeModel
    base_fee_wei: int
    tip_wei: int
    l1: L1Prices | None = None
    # The latest block's gas limit: no transaction's gas limit may exceed it (Arbitrum's L1
    # gas on top of a trade's is capped to it; its own blocks' limit is far above any trade).
    block_gas_limit: int | None = None

    def fees(self, base_fee_wei: int | None = None) -> Fees:
        """The caps to bid at `base_fee_wei` (this quote's block's by default)."""
        base = self.base_fee_wei if base_fee_wei is None else base_fee_wei
        return fees_for(self.fee_model, base_fee_wei=base, tip_wei=self.tip_wei)

    def gas_limit_with_l1(self, gas: int, l1_gas: int) -> int:
        """A trade's gas limit with Arbitrum's L1 gas on top, within the block's gas limit
        (never below the trade's own `gas`)."""
        total = gas + l1_gas
        if self.block_gas_limit is not None:
            total = min(total, self.block_gas_limit)
        return max(gas, total)

    def gas_price_wei(self, base_fee_wei: int) -> int:
        """What one unit of L2 gas costs in a block with `base_fee_wei`."""
        return base_fee_wei + self.tip_wei

    def l1_fee_estimate_wei(self, unsigned_tx_size: int) -> int:
        """The L1 data fee of a transaction of `unsigned_tx_size` bytes, never understated
        (0 on an L1): Optimism's `getL1FeeUpperBound`, Arbitrum's per-byte price."""
        l1 = self.l1
        if l1 is None:
            return 0
        if isinstance(l1, OpL1Prices):
            return l1.l1_fee_upper_bound(unsigned_tx_size)
        return l1.l1_fee_estimate_wei(unsigned_tx_size)

    @property
    def l1_base_fee_wei(self) -> int:
        """The L1 base fee the chain prices data with (0 on an L1), for the metrics."""
        l1 = self.l1
        if l1 is None:
            return 0
        if isinstance(l1, OpL1Prices):
            return l1.l1_base_fee_wei
        return l1.l1_base_fee_estimate_wei

"""The L1 data fee of the transaction about to be sent, and the trade's minimum profit made to
cover it.

The detector priced an L2 route's L1 fee from the chain's per-block quote and the route's size,
an upper bound the allocator's minimum profit already holds; here the real calldata is priced.
Optimism: the Fjord fee of the unsigned transaction, as `GasPriceOracle.getL1Fee` computes it,
from the L1Block's prices (the quote's when it is of the trade's block, else read once).
Arbitrum: the per-byte bound of the quote of the trade's block when the trade pays even that
(no round trip), else NodeInterface's exact L1 component. A trade whose expected profit does not
cover its L2 gas and that fee is refused with a reason that names the L1 fee. When the minimum
already covers both (the usual case), it stays, and the trade costs one pricing round; when the
L1 price rose past the detector's bound, the minimum is raised to cover the fee, which changes a
few bytes of the calldata, priced again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from omniarb.chains.fee_models import FeeOracle, L1Cost
from omniarb.chains.fees import Eip1559Fees, Fees
from omniarb.chains.rlp import EMPTY_LIST, encode_bytes, encode_int, encode_list
from omniarb.errors import RejectedError
from omniarb.types import Decision

__all__ = ["L1FeeError", "L1Priced", "cover_l1_fee", "unsigned_tx"]

# The nonce is assigned at sending; a four-byte one prices no smaller than the real one.
_NONCE_PLACEHOLDER = 0xFFFFFFFF
_ROUNDS = 4


class L1FeeError(RejectedError):
    """The trade's expected profit does not cover its gas and the L1 data fee."""

    def __init__(self, message: str, *, l1_fee_wei: int, needed: int, expected: int) -> None:
        super().__init__(message)
        self.l1_fee_wei = l1_fee_wei
        self.needed = needed
        self.expected = expected


@dataclass(frozen=True, slots=True, kw_only=True)
class L1Priced:
    """The calldata to send, its minimum profit, and the L1 cost priced for it."""

    data: bytes
    min_profit: int
    cost: L1Cost


def unsigned_tx(*, chain_id: int, to: str, data: bytes, gas: int, fees: Fees) -> bytes:
    """The unsigned transaction the GasPriceOracle prices (EIP-2718 type 2 payload, or an
    EIP-155 legacy list), with a placeholder nonce."""
    destination = encode_bytes(bytes.fromhex(to.removeprefix("0x")))
    if isinstance(fees, Eip1559Fees):
        fields = (
            encode_int(chain_id)
            + encode_int(_NONCE_PLACEHOLDER)
            + encode_int(fees.max_priority_fee_per_gas_wei)
            + encode_int(fees.max_fee_per_gas_wei)
            + encode_int(gas)
            + destination
            + encode_int(0)
            + encode_bytes(data)
            + EMPTY_LIST
        )
        return b"\x02" + encode_list(fields)
    fields = (
        encode_int(_NONCE_PLACEHOLDER)
        + encode_int(fees.gas_price_wei)
        + encode_int(gas)
        + destination
        + encode_int(0)
        + encode_bytes(data)
        + encode_int(chain_id)
        + b"\x80\x80"
    )
    return encode_list(fields)


async def cover_l1_fee(
    oracle: FeeOracle,
    decision: Decision,
    *,
    to: str,
    gas: int,
    fees: Fees,
    calldata: Callable[[int], bytes],
) -> L1Priced:
    """Price the transaction's L1 fee and make the minimum profit cover it: at least the L2 gas
    part of the decision's minimum plus the exact fee in the start token. Raises `L1FeeError`
    when the trade's expected profit cannot pay for both."""
    opportunity = decision.opportunity
    # What the allocator's minimum holds besides the detector's L1 estimate: the L2 gas.
    l2_min = max(decision.min_profit - opportunity.l1_fee_in_token, 0)
    expected = decision.expected_profit
    min_profit = decision.min_profit
    data = calldata(min_profit)
    cost = L1Cost(fee_wei=0, l1_gas=0)
    block_number = opportunity.block_number
    # On Arbitrum the quote's per-byte price bounds the fee from above: when the trade pays
    # even that, the minimum is made to cover it, with no round trip; only a trade the bound
    # would refuse asks NodeInterface for the exact component.
    bounded = await _arb_bounded(oracle, decision, to=to, gas=gas, fees=fees, calldata=calldata)
    if bounded is not None:
        return bounded
    # On an OP Stack chain the prices are read once (none when the quote is of this block):
    # every round is then priced without a round trip.
    op_prices = await oracle.current_op_prices(block_number)
    for _round in range(_ROUNDS):
        tx = unsigned_tx(chain_id=oracle.chain_id, to=to, data=data, gas=gas, fees=fees)
        cost = await oracle.exact_l1_cost(to=to, data=data, unsigned_tx=tx, op_prices=op_prices)
        fee_in_token = opportunity.native_in_token(cost.fee_wei)
        needed = max(1, l2_min + fee_in_token)
        if needed > expected:
            raise L1FeeError(
                f"the L1 fee {cost.fee_wei} wei ({fee_in_token} in the start token) leaves no "
                f"profit: expected {expected}, L2 gas {l2_min}, L1 fee {fee_in_token}",
                l1_fee_wei=cost.fee_wei,
                needed=needed,
                expected=expected,
            )
        if needed <= min_profit:
            break
        min_profit = needed
        data = calldata(min_profit)
    return L1Priced(data=data, min_profit=min_profit, cost=cost)


async def _arb_bounded(
    oracle: FeeOracle,
    decision: Decision,
    *,
    to: str,
    gas: int,
    fees: Fees,
    calldata: Callable[[int], bytes],
) -> L1Priced | None:
    """The trade priced on Arbitrum's upper bound of the L1 fee (`FeeOracle.arb_l1_bound`), or
    None when there is no such bound or the trade's expected profit does not cover it."""
    opportunity = decision.opportunity
    l2_min = max(decision.min_profit - opportunity.l1_fee_in_token, 0)
    min_profit = decision.min_profit
    data = calldata(min_profit)
    for _round in range(_ROUNDS):
        tx = unsigned_tx(chain_id=oracle.chain_id, to=to, data=data, gas=gas, fees=fees)
        cost = await oracle.arb_l1_bound(len(tx), opportunity.block_number)
        if cost is None:
            return None
        needed = max(1, l2_min + opportunity.native_in_token(cost.fee_wei))
        if needed > decision.expected_profit:
            return None
        if needed <= min_profit:
            return L1Priced(data=data, min_profit=min_profit, cost=cost)
        min_profit = needed
        data = calldata(min_profit)
    return None

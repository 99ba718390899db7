"""Moving native gas between executor keys: the float a new key gets, and the sweep of what a
retired key has left (its whole balance less the exact fee of the sweep itself).

The sweep is a legacy (type 0) transaction: its fee is exactly `21,000 × gas price`, known before
it is sent, so the key is left with 0 wei. (An EIP-1559 transaction pays base fee + tip of the
block it lands in, not known in advance, and would leave dust.) On an L2 that charges an L1 data
fee on top, a little more is held back: the `l1_fee_reserve_wei` the caller gives.
"""

from __future__ import annotations

from dataclasses import dataclass

from omniarb.chains.fees import legacy_fees, read_base_fee_wei, read_fees
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import FeeModel
from omniarb.errors import RevertError
from omniarb.execute.submit import Submitter, TxRequest

__all__ = ["GasMove", "balance_wei", "send_gas", "sweep_gas"]

TRANSFER_GAS = 21_000


@dataclass(frozen=True, slots=True, kw_only=True)
class GasMove:
    """A mined native transfer between our keys."""

    tx_hash: str
    block_number: int
    amount_wei: int
    fee_wei: int


async def balance_wei(rpc: RpcClient, address: str) -> int:
    return int(await rpc.call("eth_getBalance", address, "latest"), 16)


async def _mined(submitter: Submitter, key: str, request: TxRequest, amount_wei: int) -> GasMove:
    sent = await submitter.submit(key, request)
    receipt = await submitter.wait_for_receipt(sent.tx_hash)
    if not receipt.success:
        raise RevertError(f"native transfer {sent.tx_hash} reverted")
    return GasMove(
        tx_hash=sent.tx_hash,
        block_number=receipt.block_number,
        amount_wei=amount_wei,
        fee_wei=receipt.gas_used * receipt.effective_gas_price_wei,
    )


async def send_gas(
    submitter: Submitter,
    rpc: RpcClient,
    *,
    to: str,
    amount_wei: int,
    fee_model: FeeModel,
    key: str,
    tip_wei: int = 0,
) -> GasMove:
    """Send `amount_wei` from `submitter`'s key to `to` and wait until it is mined."""
    if amount_wei <= 0:
        raise ValueError(f"amount_wei must be positive, got {amount_wei}")
    fees = await read_fees(rpc, fee_model=fee_model, tip_wei=tip_wei)
    request = TxRequest(to=to, data=b"", gas=TRANSFER_GAS, fees=fees, value=amount_wei)
    return await _mined(submitter, key, request, amount_wei)


async def sweep_gas(
    submitter: Submitter,
    rpc: RpcClient,
    *,
    to: str,
    key: str,
    tip_wei: int = 0,
    l1_fee_reserve_wei: int = 0,
) -> GasMove | None:
    """Send all of `submitter`'s key's balance but the sweep's own fee to `to`; None when the
    balance does not cover that fee (nothing worth moving)."""
    base_wei = await read_base_fee_wei(rpc)
    if base_wei == 0:
        base_wei = int(await rpc.call("eth_gasPrice"), 16)
    # Twice the base fee, as every bid here: it stays above the base fee for a few rising blocks.
    fees = legacy_fees(base_price_wei=2 * base_wei, tip_wei=tip_wei)
    fee_wei = TRANSFER_GAS * fees.gas_price_wei
    amount_wei = await balance_wei(rpc, submitter.address) - fee_wei - l1_fee_reserve_wei
    if amount_wei <= 0:
        return None
    request = TxRequest(to=to, data=b"", gas=TRANSFER_GAS, fees=fees, value=amount_wei)
    return await _mined(submitter, key, request, amount_wei)

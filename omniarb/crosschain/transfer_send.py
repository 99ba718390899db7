"""Signing a bridge transfer's source transactions, and (re)broadcasting the stored bytes.

The order that makes a restart safe: reserve nonces, sign every call, write the row with the
raw transactions (`omniarb.store.bridge_transfers`), then broadcast. A process that dies after
the write finds the row and sends those same bytes again: a transaction is identified by its
hash, so the node either takes it, already has it ("already known"), or has mined it (its nonce
is "too low" and its receipt exists). Nothing here ever signs a second deposit for a row.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from omniarb.bridges.base import BridgeCall
from omniarb.chains.fees import Fees, read_fees
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import FeeModel
from omniarb.errors import RejectedError, RpcError
from omniarb.execute._send_errors import (
    AlreadyKnownError,
    NonceConflictError,
    classify_send_error,
)
from omniarb.execute.nonces import NonceManager
from omniarb.execute.signer import Signer
from omniarb.store.bridge_transfers import SourceTx

__all__ = ["ChainAccess", "NonceTakenError", "broadcast", "receipt_of", "sign_calls"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainAccess:
    """How the rebalancer acts on one chain: its node, the inventory account's signer and its
    (shared) nonces, and how fees are bid there."""

    chain: str
    rpc: RpcClient
    signer: Signer
    nonces: NonceManager
    fee_model: FeeModel
    tip_wei: int

    @property
    def account(self) -> str:
        return self.signer.address

    async def fees(self) -> Fees:
        return await read_fees(self.rpc, fee_model=self.fee_model, tip_wei=self.tip_wei)


class NonceTakenError(RejectedError):
    """The node says a stored transaction's nonce is spent, yet that transaction has no
    receipt: another transaction took the slot, so this one can never be mined."""

    def __init__(self, *, tx_hash: str, nonce: int) -> None:
        super().__init__(f"nonce {nonce} of {tx_hash} was used by another transaction")
        self.tx_hash = tx_hash
        self.nonce = nonce


async def sign_calls(
    access: ChainAccess, calls: Sequence[BridgeCall], fees: Fees
) -> tuple[SourceTx, ...]:
    """Reserve one nonce per call (in order) and sign each; on failure the nonces are given
    back. The caller records the result, then `broadcast`s it and marks the nonces sent."""
    reserved: list[int] = []
    try:
        signed: list[SourceTx] = []
        for call in calls:
            nonce = await access.nonces.reserve()
            reserved.append(nonce)
            tx = access.signer.sign(
                nonce=nonce, to=call.to, data=call.data, gas=call.gas, fees=fees, value=call.value
            )
            signed.append(SourceTx(nonce=nonce, tx_hash=tx.tx_hash, raw=tx.raw_hex))
    except BaseException:
        for nonce in reversed(reserved):
            access.nonces.release(nonce)
        raise
    return tuple(signed)


async def receipt_of(rpc: RpcClient, tx_hash: str) -> dict[str, Any] | None:
    """The receipt of `tx_hash`, None while it is not mined."""
    answer = await rpc.call("eth_getTransactionReceipt", tx_hash)
    return None if answer is None else dict(answer)


async def broadcast(rpc: RpcClient, txs: Sequence[SourceTx], *, sender: str) -> None:
    """Send `txs` (signed by `sender`) in order, as stored. "Already known" is success; a
    nonce conflict is success when the node has this very transaction (mined or pending),
    `NonceTakenError` when a mined transaction of another hash holds its nonce, and retryable
    otherwise (the slot is held by a pending one that may yet be dropped); any other refusal
    raises our error for it (`classify_send_error`)."""
    for tx in txs:
        try:
            await rpc.call("eth_sendRawTransaction", tx.raw)
        except RpcError as exc:
            error = classify_send_error(exc)
            if isinstance(error, AlreadyKnownError):
                continue
            if not isinstance(error, NonceConflictError):
                raise error from exc
            if await rpc.call("eth_getTransactionByHash", tx.tx_hash) is not None:
                log.debug("%s already with the node", tx.tx_hash)
                continue
            # Read in this order: a transaction mined between the two reads has a receipt.
            mined_count = int(await rpc.call("eth_getTransactionCount", sender, "latest"), 16)
            if await receipt_of(rpc, tx.tx_hash) is not None:
                continue
            if mined_count > tx.nonce:
                raise NonceTakenError(tx_hash=tx.tx_hash, nonce=tx.nonce) from exc
            raise error from exc

"""`SafeOwner`: the executor owner's authority exercised by M-of-N owners of a Safe 1.4.1.

Each `call` reads the Safe's `nonce()` and `getThreshold()`, has `threshold` of the configured
owner signers sign the Safe transaction's EIP-712 digest (`omniarb.custody.safe_tx`), simulates
`execTransaction` (a revert raises `SafeRevertError` with the Safe's reason, e.g. GS020 for too
few signatures, or the inner call's own reason when the Safe says GS013), and sends it from a
relayer key that pays the gas (the owners' keys only sign digests). The mined receipt must carry
`ExecutionSuccess` for this transaction's hash: `ExecutionFailure` (an inner call that failed
under a nonzero `safeTxGas`) raises.

    owner = SafeOwner(rpc=rpc, safe=chain.safe.address, chain_id=chain.chain_id,
                      signers=[owner_a, owner_b], relayer=relayer_signer,
                      fee_model=spec.fee_model, tip_wei=tip_wei)
    await owner.call(to=executor, data=withdraw_calldata(token, amount, safe))
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from omniarb.chains.abi import decode, encode_call, selector
from omniarb.chains.fees import read_fees
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import FeeModel
from omniarb.custody.owner import OwnerCallResult
from omniarb.custody.safe_tx import (
    OwnerSignature,
    SafeTx,
    exec_transaction_calldata,
    sign_safe_tx,
)
from omniarb.errors import ConfigError, ExecutionRevertedError, RevertError
from omniarb.execute.nonces import NonceManager
from omniarb.execute.signer import Signer
from omniarb.execute.submit import Submitter
from omniarb.execute.submit_values import MemorySubmissionGuard, TxRequest
from omniarb.keys.base import DigestSigner

__all__ = ["SafeOwner", "SafeRevertError", "read_safe"]

log = logging.getLogger(__name__)

_EXECUTION_SUCCESS = "0x" + keccak(text="ExecutionSuccess(bytes32,uint256)").hex()
_EXECUTION_FAILURE = "0x" + keccak(text="ExecutionFailure(bytes32,uint256)").hex()
_ERROR_STRING = selector("Error(string)")
# eth_estimateGas is exact for the state it ran on; the margin covers what changes before the
# transaction lands (unused gas is not paid). The Safe passes the inner call all but 2,500 of
# what is left when `safeTxGas` is 0, so a short limit would fail the inner call, not the Safe.
_GAS_MARGIN_NUM, _GAS_MARGIN_DEN = 3, 2
_RECEIPT_TIMEOUT_S = 120.0


class SafeRevertError(RevertError):
    """`execTransaction` would revert: `reason` is the Safe's code (GS020 …) or the inner call's."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def _reason(exc: ExecutionRevertedError) -> str:
    """The `Error(string)` text of a revert, or its raw data in hex."""
    data: Any = exc.data
    if isinstance(data, dict):
        data = data.get("data")
    raw = bytes.fromhex(data.removeprefix("0x")) if isinstance(data, str) else b""
    if raw[:4] == _ERROR_STRING:
        return str(decode(["string"], raw[4:])[0])
    return "0x" + raw.hex() if raw else exc.rpc_message


async def _view(rpc: RpcClient, to: str, signature: str, out: str) -> Any:
    answer = await rpc.call("eth_call", {"to": to, "data": encode_call(signature)}, "latest")
    return decode([out], answer)[0]


async def read_safe(rpc: RpcClient, safe: str) -> tuple[tuple[str, ...], int, int]:
    """The Safe's owners (checksummed, in its order), threshold and next nonce."""
    owners = await _view(rpc, safe, "getOwners()", "address[]")
    threshold = await _view(rpc, safe, "getThreshold()", "uint256")
    nonce = await _view(rpc, safe, "nonce()", "uint256")
    return tuple(str(to_checksum_address(o)) for o in owners), int(threshold), int(nonce)


class SafeOwner:
    """Implements `OwnerActions` for an executor whose owner is the Safe at `safe`."""

    def __init__(
        self,
        *,
        rpc: RpcClient,
        safe: str,
        chain_id: int,
        signers: Sequence[DigestSigner],
        relayer: Signer,
        fee_model: FeeModel,
        tip_wei: int,
        receipt_timeout_s: float = _RECEIPT_TIMEOUT_S,
    ) -> None:
        self._rpc = rpc
        self._safe = str(to_checksum_address(safe))
        self._chain_id = chain_id
        self._signers = list(signers)
        self._relayer = relayer
        self._fee_model = fee_model
        self._tip_wei = tip_wei
        self._submitter = Submitter(
            rpc=rpc,
            signer=relayer,
            nonces=NonceManager(rpc=rpc, address=relayer.address),
            guard=MemorySubmissionGuard(),
            receipt_timeout_s=receipt_timeout_s,
            fee_model=fee_model,
            tip_wei=tip_wei,
        )
        # One Safe transaction at a time: each one takes the Safe's next nonce.
        self._lock = asyncio.Lock()

    @property
    def owner_address(self) -> str:
        return self._safe

    async def sign(self, tx: SafeTx) -> list[OwnerSignature]:
        """Signatures of `threshold` configured signers that are owners of the Safe now."""
        owners, threshold, _ = await read_safe(self._rpc, self._safe)
        owner_set = {o.lower() for o in owners}
        usable = [s for s in self._signers if s.address.lower() in owner_set]
        if len(usable) < threshold:
            raise ConfigError(
                f"Safe {self._safe} needs {threshold} owner signatures; only {len(usable)} of the "
                f"configured signers ({', '.join(s.address for s in self._signers) or 'none'}) "
                f"are among its owners ({', '.join(owners)})"
            )
        return [sign_safe_tx(tx, signer) for signer in usable[:threshold]]

    async def prepare(self, *, to: str, data: bytes, value: int = 0) -> SafeTx:
        """The Safe transaction of `to.call{value}(data)` at the Safe's next nonce."""
        _, _, nonce = await read_safe(self._rpc, self._safe)
        return SafeTx(
            safe=self._safe,
            chain_id=self._chain_id,
            to=str(to_checksum_address(to)),
            value=value,
            data=data,
            nonce=nonce,
        )

    async def call(self, *, to: str, data: bytes, value: int = 0) -> OwnerCallResult:
        """Sign, simulate and execute `to.call{value}(data)` as the Safe; raise if it fails."""
        async with self._lock:
            tx = await self.prepare(to=to, data=data, value=value)
            return await self.execute(tx, await self.sign(tx))

    async def execute(
        self, tx: SafeTx, signatures: Sequence[OwnerSignature] | bytes
    ) -> OwnerCallResult:
        """Send `execTransaction(tx, signatures)` from the relayer once a simulation passes."""
        calldata = exec_transaction_calldata(tx, signatures)
        call = {"from": self._relayer.address, "to": self._safe, "data": "0x" + calldata.hex()}
        try:
            await self._rpc.call("eth_call", call, "latest")
            estimate = int(await self._rpc.call("eth_estimateGas", call), 16)
        except ExecutionRevertedError as exc:
            raise await self._revert(tx, exc) from exc
        request = TxRequest(
            to=self._safe,
            data=calldata,
            gas=estimate * _GAS_MARGIN_NUM // _GAS_MARGIN_DEN,
            fees=await read_fees(self._rpc, fee_model=self._fee_model, tip_wei=self._tip_wei),
        )
        digest = tx.digest()
        sent = await self._submitter.submit(
            f"safe-tx:{self._safe}:{tx.nonce}:{digest.hex()}", request, precheck=False
        )
        receipt = await self._submitter.wait_for_receipt(sent.tx_hash)
        topic = "0x" + digest.hex()
        outcome = [
            entry.topics[0]
            for entry in receipt.logs
            if entry.address.lower() == self._safe.lower()
            and len(entry.topics) > 1
            and entry.topics[1].lower() == topic
        ]
        if not receipt.success or _EXECUTION_SUCCESS not in outcome:
            what = "ExecutionFailure" if _EXECUTION_FAILURE in outcome else "no ExecutionSuccess"
            raise RevertError(
                f"Safe {self._safe}: transaction {sent.tx_hash} (Safe nonce {tx.nonce}) "
                f"failed: {what} for the call to {tx.to}"
            )
        log.info(
            "Safe %s executed nonce %d (call to %s) in %s",
            self._safe,
            tx.nonce,
            tx.to,
            sent.tx_hash,
        )
        return OwnerCallResult(
            tx_hash=sent.tx_hash, block_number=receipt.block_number, success=True
        )

    async def _revert(self, tx: SafeTx, exc: ExecutionRevertedError) -> SafeRevertError:
        """The Safe's reason; for GS013 (the inner call failed) the inner call's own reason,
        found by simulating it from the Safe's address."""
        reason = _reason(exc)
        detail = reason
        if reason == "GS013":
            inner = {"from": self._safe, "to": tx.to, "data": "0x" + tx.data.hex()}
            if tx.value:
                inner["value"] = hex(tx.value)
            try:
                await self._rpc.call("eth_call", inner, "latest")
            except ExecutionRevertedError as inner_exc:
                detail = f"GS013: the call to {tx.to} reverts ({_reason(inner_exc)})"
        return SafeRevertError(
            f"Safe {self._safe}: execTransaction (Safe nonce {tx.nonce}) reverts: {detail}",
            reason=reason,
        )

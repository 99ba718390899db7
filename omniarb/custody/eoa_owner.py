"""The executor contract's owner as one externally owned key (a devnet's bot key, or an
operator's key on a small deployment): each owner call is one signed transaction, sent through
a `Submitter` (so it shares that key's nonce sequence when the same key also trades) and waited
for until it is mined. The Safe multisig owner (`omniarb.custody.safe_owner`) has the same face.

    owner = EoaOwner(submitter=pool.submitter_of(owner_address), fee_model=spec.fee_model)
    result = await owner.call(to=executor, data=set_executor_calldata(new_key, True))
"""

from __future__ import annotations

import itertools
import logging

from omniarb.chains.fees import read_fees
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import FeeModel
from omniarb.custody.owner import OwnerCallResult
from omniarb.errors import RevertError
from omniarb.execute.submit import Submitter, TxRequest

__all__ = ["EoaOwner", "OwnerCallFailedError"]

log = logging.getLogger(__name__)

# Owner calls (setExecutor, withdraw) cost well under this; unused gas is not paid.
_OWNER_CALL_GAS = 200_000


class OwnerCallFailedError(RevertError):
    """An owner call was mined and reverted."""

    def __init__(self, *, to: str, tx_hash: str) -> None:
        super().__init__(f"owner call to {to} reverted in {tx_hash}")
        self.tx_hash = tx_hash


class EoaOwner:
    """`OwnerActions` of one key; see the module docstring."""

    def __init__(
        self,
        *,
        rpc: RpcClient,
        submitter: Submitter,
        fee_model: FeeModel,
        tip_wei: int = 0,
        gas: int = _OWNER_CALL_GAS,
    ) -> None:
        self._rpc = rpc
        self._submitter = submitter
        self._fee_model = fee_model
        self._tip_wei = tip_wei
        self._gas = gas
        # Idempotency keys of this process's owner calls (the guard refuses a key twice).
        self._serial = itertools.count()

    @property
    def owner_address(self) -> str:
        return self._submitter.address

    async def call(self, *, to: str, data: bytes, value: int = 0) -> OwnerCallResult:
        """Pre-check, sign, send and wait; `OwnerCallFailedError` when it reverts on chain
        (a pre-check revert raises the submitter's `PrecheckRevertError`: nothing sent)."""
        fees = await read_fees(self._rpc, fee_model=self._fee_model, tip_wei=self._tip_wei)
        request = TxRequest(to=to, data=data, gas=self._gas, fees=fees, value=value)
        key = f"owner:{self.owner_address}:{data[:4].hex()}:{id(self)}:{next(self._serial)}"
        sent = await self._submitter.submit(key, request)
        receipt = await self._submitter.wait_for_receipt(sent.tx_hash)
        if not receipt.success:
            raise OwnerCallFailedError(to=to, tx_hash=sent.tx_hash)
        log.info("owner call %s to %s mined in %s", data[:4].hex(), to, sent.tx_hash)
        return OwnerCallResult(
            tx_hash=sent.tx_hash, block_number=receipt.block_number, success=True
        )

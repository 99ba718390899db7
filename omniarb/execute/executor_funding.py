"""Giving the bot's executor an inventory: the signer sends it tokens it holds.

A trade that needs capital from outside its route may start from the executor's own balance of
the start token instead of a flash loan (no fee, less gas: `omniarb.allocate.inventory`).
Profits accumulate there already; `fund_executor` adds to it on purpose, as
`omniarb executor fund` does: a plain ERC-20 `transfer` from the signer to the executor, after
wrapping that much of the native coin first (WETH9 `deposit`) when asked to (`wrap`). The
signer's balance is checked before anything is sent, so a short balance is a clear error, not
a reverted transaction. The owner takes tokens back with the contract's `withdraw`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.fees import read_fees
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import FeeModel
from omniarb.errors import ConfigError, RevertError
from omniarb.execute.executor_setup import check_chain_id
from omniarb.execute.nonces import NonceManager
from omniarb.execute.signer import Signer
from omniarb.execute.submit import MemorySubmissionGuard, Submitter, TxRequest
from omniarb.network import ChainManifest, TokenEntry

__all__ = ["FundedExecutor", "fund_executor"]

log = logging.getLogger(__name__)

_GAS_MARGIN_NUM, _GAS_MARGIN_DEN = 6, 5
_RECEIPT_TIMEOUT_S = 300.0


@dataclass(frozen=True, slots=True, kw_only=True)
class FundedExecutor:
    """What `fund_executor` did: `amount` base units of `token` sent, the transactions (the
    wrap first when there is one), and the executor's balance of the token after them."""

    chain: str
    executor: str
    token: str
    amount: int
    tx_hashes: tuple[str, ...]
    balance: int


async def _balance(rpc: RpcClient, token: str, holder: str) -> int:
    call = {"to": token, "data": encode_call("balanceOf(address)", holder)}
    return int(decode(["uint256"], await rpc.call("eth_call", call, "latest"))[0])


async def fund_executor(
    rpc: RpcClient,
    chain: ChainManifest,
    signer: Signer,
    *,
    token: TokenEntry,
    amount: int,
    wrap: bool = False,
    fee_model: FeeModel,
    tip_wei: int,
) -> FundedExecutor:
    """Send `amount` (base units) of `token` from `signer` to `chain`'s executor, wrapping
    that much native coin first when `wrap` (the token must be the wrapped native one)."""
    executor = chain.executor
    if executor is None:
        raise ConfigError(f"{chain.name}: the network description names no executor to fund")
    if amount < 1:
        raise ConfigError(f"{chain.name}: an amount of {amount} {token.symbol} to fund")
    if wrap and not token.wrapped_native:
        raise ConfigError(f"{chain.name}: {token.symbol} is not the wrapped native token")
    await check_chain_id(rpc, chain)
    calls: list[tuple[str, int]] = []
    if wrap:
        native = int(await rpc.call("eth_getBalance", signer.address, "latest"), 16)
        if native < amount:
            raise ConfigError(
                f"{chain.name}: {signer.address} holds {native} wei of the native coin, "
                f"less than the {amount} to wrap"
            )
        calls.append((encode_call("deposit()"), amount))
    else:
        held = await _balance(rpc, token.address, signer.address)
        if held < amount:
            raise ConfigError(
                f"{chain.name}: {signer.address} holds {held} of {token.symbol} (base units), "
                f"less than the {amount} to send; --wrap wraps the native coin first"
            )
    calls.append((encode_call("transfer(address,uint256)", executor, amount), 0))
    submitter = Submitter(
        rpc=rpc,
        signer=signer,
        nonces=NonceManager(rpc=rpc, address=signer.address),
        guard=MemorySubmissionGuard(),
        receipt_timeout_s=_RECEIPT_TIMEOUT_S,
        fee_model=fee_model,
        tip_wei=tip_wei,
    )
    sent = []
    for index, (data, value) in enumerate(calls):
        tx = {"from": signer.address, "to": token.address, "data": data, "value": hex(value)}
        estimate = int(await rpc.call("eth_estimateGas", tx), 16)
        request = TxRequest(
            to=token.address,
            data=bytes.fromhex(data.removeprefix("0x")),
            gas=estimate * _GAS_MARGIN_NUM // _GAS_MARGIN_DEN,
            fees=await read_fees(rpc, fee_model=fee_model, tip_wei=tip_wei),
            value=value,
        )
        submission = await submitter.submit(f"fund-executor:{chain.name}:{index}", request)
        receipt = await submitter.wait_for_receipt(submission.tx_hash)
        if not receipt.success:
            raise RevertError(
                f"{chain.name}: funding transaction {submission.tx_hash} reverted on chain"
            )
        sent.append(submission.tx_hash)
    balance = await _balance(rpc, token.address, executor)
    log.info(
        "%s: executor %s funded with %d of %s (now holds %d)",
        chain.name,
        executor,
        amount,
        token.symbol,
        balance,
    )
    return FundedExecutor(
        chain=chain.name,
        executor=executor,
        token=token.symbol,
        amount=amount,
        tx_hashes=tuple(sent),
        balance=balance,
    )

"""The bot's executor on a real network: deployed with the bot's own key, checked before trading.

On the devnet the engine deploys its executor from an unlocked account (`deploy_devnet_executor`);
a real node holds no unlocked account, so here the deployment is a transaction the bot's `Signer`
signs and the `Submitter` sends, like every trade, and `omniarb run --manifest FILE` only checks
the executor the file names:

    deployed = await deploy_executor(rpc, chain, signer, fee_model=spec.fee_model, tip_wei=tip)
    executor = await verify_executor(rpc, replace(chain, executor=deployed.address), signer.address)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from eth_utils.address import to_checksum_address

from omniarb._secrets import PRIVATE_KEY_ENV
from omniarb.chains.fees import read_fees
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import BALANCER_VAULT_MARK, FeeModel
from omniarb.errors import ConfigError, FatalError, RevertError
from omniarb.execute._revert import error_signatures_from_abi
from omniarb.execute.executor_calldata import (
    WRAPPED_NATIVE_MARK,
    bot_creation_data,
    dex_factories,
    executor_artifact,
    factory_registry,
    wrapped_native,
)
from omniarb.execute.executor_contract import ExecutorContract
from omniarb.execute.nonces import NonceManager
from omniarb.execute.signer import Signer
from omniarb.execute.submit import MemorySubmissionGuard, Submitter, TxRequest
from omniarb.network import ChainManifest

__all__ = ["DeployedExecutor", "check_chain_id", "deploy_executor", "verify_executor"]

log = logging.getLogger(__name__)

# eth_estimateGas is exact for the state it ran on; the margin covers what changes before the
# transaction lands. Unused gas is not paid.
_GAS_MARGIN_NUM, _GAS_MARGIN_DEN = 6, 5
_DEPLOY_RECEIPT_TIMEOUT_S = 300.0
_BALANCER_VAULT_MARK = bytes.fromhex(BALANCER_VAULT_MARK.removeprefix("0x"))


@dataclass(frozen=True, slots=True, kw_only=True)
class DeployedExecutor:
    """Where the executor landed and the transaction that created it."""

    chain: str
    address: str
    tx_hash: str


def _deploy_hint(chain: ChainManifest) -> str:
    return f"`omniarb executor deploy --manifest FILE --chain {chain.name}`"


async def check_chain_id(rpc: RpcClient, chain: ChainManifest) -> None:
    """Refuse a node that serves another chain than the description says (signatures carry the
    chain id, so every transaction would be refused, or worse, valid on the wrong chain)."""
    served = int(await rpc.call("eth_chainId"), 16)
    if served != chain.chain_id:
        raise ConfigError(
            f"{chain.name}: the node at {chain.rpc_http} serves chain id {served}, "
            f"the description says {chain.chain_id}"
        )


async def deploy_executor(
    rpc: RpcClient,
    chain: ChainManifest,
    signer: Signer,
    *,
    fee_model: FeeModel,
    tip_wei: int,
    receipt_timeout_s: float = _DEPLOY_RECEIPT_TIMEOUT_S,
) -> DeployedExecutor:
    """Deploy the bot's executor on `chain`, signed by `signer`, and wait for it to be mined.

    `signer` owns it and may call `execute`; every V2/V3 factory and lender of `chain` is
    registered (`bot_creation_data`). Nothing but the signed creation transaction is sent.
    """
    await check_chain_id(rpc, chain)
    data = bot_creation_data(chain, bot=signer.address)
    estimate = await rpc.call(
        "eth_estimateGas", {"from": signer.address, "data": "0x" + data.hex()}
    )
    submitter = Submitter(
        rpc=rpc,
        signer=signer,
        nonces=NonceManager(rpc=rpc, address=signer.address),
        guard=MemorySubmissionGuard(),
        known_errors=error_signatures_from_abi(executor_artifact().abi),
        receipt_timeout_s=receipt_timeout_s,
    )
    request = TxRequest(
        to=None,
        data=data,
        gas=int(estimate, 16) * _GAS_MARGIN_NUM // _GAS_MARGIN_DEN,
        fees=await read_fees(rpc, fee_model=fee_model, tip_wei=tip_wei),
    )
    sent = await submitter.submit(f"deploy-executor:{chain.name}", request)
    log.info("%s: executor deployment sent as %s", chain.name, sent.tx_hash)
    receipt = await submitter.wait_for_receipt(sent.tx_hash)
    if not receipt.success or receipt.contract_address is None:
        raise RevertError(f"{chain.name}: executor deployment {sent.tx_hash} reverted on chain")
    address = str(to_checksum_address(receipt.contract_address))
    log.info("%s: executor deployed at %s", chain.name, address)
    return DeployedExecutor(chain=chain.name, address=address, tx_hash=sent.tx_hash)


async def verify_executor(rpc: RpcClient, chain: ChainManifest, account: str) -> str:
    """The executor `chain` names, once it is checked that `account` may trade through it.

    It must be a contract whose owner or authorized executor `account` is, with every V2 and V3
    factory of `chain` registered, and its wrapped native token (for pools of the native coin);
    otherwise each trade would revert. It must hold no allowance to a Balancer Vault it swaps
    through: this executor approves a hop's exact amount and leaves zero, so a standing one is
    an older executor's (whose plans lack the deadline, and which gives the Vault its tokens
    for good). Reads only: nothing is sent.
    """
    if chain.executor is None:
        raise ConfigError(
            f"{chain.name}: the network description names no executor; deploy one with "
            f"{_deploy_hint(chain)}, which writes its address into the file"
        )
    await check_chain_id(rpc, chain)
    contract = ExecutorContract(rpc, chain.executor)
    code = await rpc.call("eth_getCode", contract.address, "latest")
    if len(code) <= 2:
        raise FatalError(
            f"{chain.name}: no contract at executor {contract.address}; fix the address in the "
            f"file or deploy one with {_deploy_hint(chain)}"
        )
    try:
        owner = await contract.owner()
        allowed = owner == to_checksum_address(account) or await contract.is_executor(account)
        expected = factory_registry(chain)
        unregistered = [
            f"the factory of {name}"
            for name, factory in dex_factories(chain).items()
            if await contract.init_code_hash_of(factory) != expected[factory]
        ]
        wrapped = wrapped_native(chain)
        if wrapped is not None and await contract.init_code_hash_of(wrapped) != WRAPPED_NATIVE_MARK:
            unregistered.append(f"the wrapped native token {wrapped}")
        vaults = [f for f, code_hash in expected.items() if code_hash == _BALANCER_VAULT_MARK]
        standing = [
            (vault, token.symbol)
            for vault in vaults
            for token in chain.tokens
            if await contract.allowance(token.address, vault) != 0
        ]
    except RevertError as exc:
        raise FatalError(
            f"{chain.name}: {contract.address} is not an OmniArbExecutor ({exc}); deploy one "
            f"with {_deploy_hint(chain)}"
        ) from exc
    if not allowed:
        raise FatalError(
            f"{chain.name}: executor {contract.address} is owned by {owner} and does not "
            f"authorize {account} (the key in {PRIVATE_KEY_ENV}); have its owner call "
            f"setExecutor({account}, true), or deploy your own with {_deploy_hint(chain)}"
        )
    if unregistered:
        raise FatalError(
            f"{chain.name}: executor {contract.address} does not register "
            f"{', '.join(unregistered)} with its init code hash or mark; have its owner call "
            f"setFactory for it, or deploy a new one with {_deploy_hint(chain)}"
        )
    if standing:
        vault = standing[0][0]
        raise FatalError(
            f"{chain.name}: executor {contract.address} lets the Balancer Vault {vault} take its "
            f"{', '.join(symbol for _, symbol in standing)} at will: an older executor; "
            f"withdraw its funds and deploy a new one with {_deploy_hint(chain)}"
        )
    return contract.address

"""Deploys and administers `OmniArbExecutor` (contracts/executor/OmniArbExecutor.sol).

Two ways in, for two kinds of chain: `creation_data` and the `*_calldata` builders give the bytes a
signer puts in a transaction (real chains, where the owner's key signs); `ExecutorContract` sends
them itself from an account the node holds unlocked (anvil), which is how the engine sets up the
devnet at start-up and how the tests drive the contract:

    bot = dev_account(BOT_INDEX).address
    executor = await deploy_devnet_executor(rpc, chain, bot=bot)
    await executor.set_executor(bot, trader, allowed=True)

The registry the contract checks pools against is `factory → init code hash` for V2 and V3 alike
(`factory_registry`), with marks in place of a hash for a V4 PoolManager, a Balancer Vault
and the chain's wrapped native token (the only token it unwraps into a pool of the native coin
and wraps out of one); the Balancer Vault and the Aave Pool it borrows from are set at
deployment or with the owner-only `setBalancerVault` / `setAavePool`. A Vault whose pools it
swaps pulls their input from it, so the deployment approves every registered Vault for the
chain's tokens (`vault_tokens`; later ones with the owner-only `approveVault`): no trade pays
for an approval.

Every send is simulated first (`eth_call`), so a revert raises `ExecutorRevertError` naming the
contract's custom error and its arguments instead of a bare failed receipt.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from omniarb.chains.abi import decode, encode_args, encode_call
from omniarb.chains.receipts import wait_for_receipt
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import BALANCER_VAULT_MARK
from omniarb.contracts import Artifact, load_artifact
from omniarb.dex.deployments import dex_parameters
from omniarb.dex.registry import is_traded
from omniarb.dex.uniswap_v2.adapter import ADAPTER as UNISWAP_V2
from omniarb.dex.uniswap_v3.adapter import ADAPTER as UNISWAP_V3
from omniarb.errors import ExecutionRevertedError, RevertError, TimeoutError_
from omniarb.execute._revert import (
    RevertReason,
    decode_revert,
    error_signatures_from_abi,
    revert_data_of,
)
from omniarb.network import ChainManifest

__all__ = [
    "EXECUTOR_CONTRACT",
    "UNISWAP_V2_PAIR_INIT_CODE_HASH",
    "UNISWAP_V3_POOL_INIT_CODE_HASH",
    "WRAPPED_NATIVE_MARK",
    "ExecutorContract",
    "ExecutorRevertError",
    "accept_ownership_calldata",
    "approve_vault_calldata",
    "bot_creation_data",
    "creation_data",
    "decode_executor_revert",
    "deploy_devnet_executor",
    "dex_factories",
    "executor_artifact",
    "factory_registry",
    "set_aave_pool_calldata",
    "set_balancer_vault_calldata",
    "set_executor_calldata",
    "set_factory_calldata",
    "transfer_ownership_calldata",
    "v2_factories",
    "withdraw_calldata",
    "withdraw_native_calldata",
    "wrapped_native",
]

EXECUTOR_CONTRACT = "OmniArbExecutor"
# keccak256 of v2-core 1.0.1's UniswapV2Pair and v3-core 1.0.1's UniswapV3Pool creation code:
# the hashes of every V2 pair and V3 pool of the devnet's Uniswap deployments (FACTS.md).
UNISWAP_V2_PAIR_INIT_CODE_HASH = bytes.fromhex(
    UNISWAP_V2.reference_init_code_hash.removeprefix("0x")
)
UNISWAP_V3_POOL_INIT_CODE_HASH = bytes.fromhex(
    UNISWAP_V3.reference_init_code_hash.removeprefix("0x")
)
# What the registry holds for the chain's wrapped native token (OmniArbExecutor.WRAPPED_NATIVE).
WRAPPED_NATIVE_MARK = keccak(text="omniarb: wrapped native coin")
_BALANCER_KIND = "balancer-v2"
_AAVE_KIND = "aave-v3"
_ZERO_ADDRESS = "0x" + "00" * 20
_CONSTRUCTOR_TYPES = (
    "address",
    "address[]",
    "address[]",
    "bytes32[]",
    "address",
    "address",
    "address[]",
)
# Runtime code is up to the 24,576-byte limit (200 gas a byte to deposit: 4.9M), its creation
# code as much again in calldata (16 gas a byte); each registry entry adds a cold SSTORE and a log,
# each token approved for a Vault a cold call and a fresh allowance slot.
_DEPLOY_GAS = 6_000_000
_DEPLOY_GAS_PER_ENTRY = 50_000
_BALANCER_VAULT_MARK = bytes.fromhex(BALANCER_VAULT_MARK.removeprefix("0x"))
_ADMIN_GAS = 200_000


def executor_artifact() -> Artifact:
    """The compiled contract from `build/contracts` (built at set-up)."""
    return load_artifact(EXECUTOR_CONTRACT)


def creation_data(
    *,
    owner: str,
    executors: Iterable[str] = (),
    factories: Mapping[str, bytes] | None = None,
    balancer_vault: str | None = None,
    aave_pool: str | None = None,
    vault_tokens: Iterable[str] = (),
) -> bytes:
    """Input of the deployment transaction: creation code and constructor arguments.

    `factories` maps each factory address to its pairs' or pools' init code hash (32 bytes);
    `balancer_vault` / `aave_pool` enable flash sources 1 and 2 (None leaves them off);
    every Vault among `factories` (marked `BALANCER_VAULT_MARK`) is approved for
    `vault_tokens`.
    """
    registry = dict(factories or {})
    for factory, code_hash in registry.items():
        if len(code_hash) != 32:
            raise ValueError(f"init code hash of {factory} is {len(code_hash)} bytes, not 32")
    args = (
        owner,
        list(executors),
        list(registry),
        list(registry.values()),
        balancer_vault or _ZERO_ADDRESS,
        aave_pool or _ZERO_ADDRESS,
        list(vault_tokens),
    )
    return executor_artifact().bytecode_bytes + encode_args(_CONSTRUCTOR_TYPES, args)


def _call_bytes(signature: str, *args: Any) -> bytes:
    return bytes.fromhex(encode_call(signature, *args)[2:])


def set_executor_calldata(account: str, allowed: bool) -> bytes:
    return _call_bytes("setExecutor(address,bool)", account, allowed)


def set_factory_calldata(factory: str, init_code_hash: bytes) -> bytes:
    """Register `factory`; an all-zero hash removes it."""
    return _call_bytes("setFactory(address,bytes32)", factory, init_code_hash)


def set_balancer_vault_calldata(vault: str) -> bytes:
    """Flash source 1's Vault; the zero address disables the source."""
    return _call_bytes("setBalancerVault(address)", vault)


def set_aave_pool_calldata(pool: str) -> bytes:
    """Flash source 2's Pool (the proxy); the zero address disables the source."""
    return _call_bytes("setAavePool(address)", pool)


def approve_vault_calldata(vault: str, tokens: Iterable[str]) -> bytes:
    """Let the registered Balancer Vault `vault` pull any amount of `tokens`."""
    return _call_bytes("approveVault(address,address[])", vault, list(tokens))


def transfer_ownership_calldata(new_owner: str) -> bytes:
    return _call_bytes("transferOwnership(address)", new_owner)


def accept_ownership_calldata() -> bytes:
    return _call_bytes("acceptOwnership()")


def withdraw_calldata(token: str, amount: int, to: str) -> bytes:
    return _call_bytes("withdraw(address,uint256,address)", token, amount, to)


def withdraw_native_calldata(amount: int, to: str) -> bytes:
    return _call_bytes("withdrawNative(uint256,address)", amount, to)


def v2_factories(chain: ChainManifest) -> dict[str, str]:
    """DEX name → factory address of the chain's Uniswap V2 DEXes."""
    return {dex.name: dex.factory for dex in chain.dexes if dex.kind == UNISWAP_V2.kind}


def dex_factories(chain: ChainManifest) -> dict[str, str]:
    """DEX name → the address that CREATE2-deploys its pools (the factory, or PancakeSwap V3's
    pool deployer), for every traded DEX of the chain: what `RouteCodec` puts in a hop's
    factory field, which the executor proves the pool with."""
    return {
        dex.name: dex_parameters(chain, dex).pool_deployer
        for dex in chain.dexes
        if is_traded(dex.kind)
    }


def factory_registry(chain: ChainManifest) -> dict[str, bytes]:
    """Pool deployer (usually the factory) → init code hash of its pairs or pools, for every
    traded DEX of the chain, and the chain's wrapped native token → `WRAPPED_NATIVE_MARK`:
    what the executor's constructor (or `setFactory`) registers. The hash is the DEX's own
    (`dex.deployments.dex_parameters`): forks' pairs differ."""
    registry: dict[str, bytes] = {}
    for dex in chain.dexes:
        if is_traded(dex.kind):
            params = dex_parameters(chain, dex)
            registry[params.pool_deployer] = bytes.fromhex(params.init_code_hash.removeprefix("0x"))
    wrapped = wrapped_native(chain)
    if wrapped is not None:
        registry[wrapped] = WRAPPED_NATIVE_MARK
    return registry


def wrapped_native(chain: ChainManifest) -> str | None:
    """The chain's wrapped native token (the description's token marked so), if it has one."""
    return next((token.address for token in chain.tokens if token.wrapped_native), None)


class ExecutorRevertError(RevertError):
    """A call to the executor reverted; `reason.name`/`reason.args` say which custom error."""

    def __init__(self, action: str, reason: RevertReason) -> None:
        super().__init__(f"{action} reverted: {reason.message}")
        self.reason = reason


def decode_executor_revert(data: bytes | str) -> RevertReason:
    """Name the executor's custom error in revert `data` (bytes or 0x hex)."""
    raw = bytes.fromhex(data.removeprefix("0x")) if isinstance(data, str) else data
    return decode_revert(raw, error_signatures_from_abi(executor_artifact().abi))


class ExecutorContract:
    """One deployed executor, read and administered through JSON-RPC.

    Sends go out with `eth_sendTransaction` from accounts the node holds unlocked (anvil's dev
    accounts); on a real chain use the `*_calldata` builders with a signer instead.
    """

    def __init__(self, rpc: RpcClient, address: str, *, receipt_timeout_s: float = 60.0) -> None:
        self.rpc = rpc
        self.address = str(to_checksum_address(address))
        self._receipt_timeout_s = receipt_timeout_s

    @classmethod
    async def deploy(
        cls,
        rpc: RpcClient,
        *,
        sender: str,
        owner: str | None = None,
        executors: Iterable[str] = (),
        factories: Mapping[str, bytes] | None = None,
        balancer_vault: str | None = None,
        aave_pool: str | None = None,
        vault_tokens: Iterable[str] = (),
        receipt_timeout_s: float = 60.0,
    ) -> ExecutorContract:
        """Deploy from the unlocked `sender`; `owner` defaults to the sender."""
        executors = list(executors)
        registry = dict(factories or {})
        tokens = list(vault_tokens)
        data = creation_data(
            owner=owner or sender,
            executors=executors,
            factories=registry,
            balancer_vault=balancer_vault,
            aave_pool=aave_pool,
            vault_tokens=tokens,
        )
        gas = _deploy_gas(executors, registry, tokens)
        tx = {"from": sender, "data": "0x" + data.hex(), "gas": hex(gas)}
        receipt = await _send_checked(rpc, tx, "deploying OmniArbExecutor", receipt_timeout_s)
        return cls(rpc, receipt["contractAddress"], receipt_timeout_s=receipt_timeout_s)

    # ------------------------------------------------------------------ views
    async def _view(self, signature: str, out_type: str, *args: Any) -> Any:
        answer = await self.rpc.call(
            "eth_call", {"to": self.address, "data": encode_call(signature, *args)}, "latest"
        )
        return decode([out_type], answer)[0]

    async def owner(self) -> str:
        return str(to_checksum_address(await self._view("owner()", "address")))

    async def pending_owner(self) -> str:
        return str(to_checksum_address(await self._view("pendingOwner()", "address")))

    async def is_executor(self, account: str) -> bool:
        return bool(await self._view("isExecutor(address)", "bool", account))

    async def init_code_hash_of(self, factory: str) -> bytes:
        return bytes(await self._view("initCodeHashOf(address)", "bytes32", factory))

    async def balancer_vault(self) -> str:
        return str(to_checksum_address(await self._view("balancerVault()", "address")))

    async def aave_pool(self) -> str:
        return str(to_checksum_address(await self._view("aavePool()", "address")))

    # ------------------------------------------------------------------ admin sends
    async def send(
        self, sender: str, data: bytes, *, gas: int = _ADMIN_GAS, action: str = "call"
    ) -> dict[str, Any]:
        """Simulate, then send `data` to the executor from unlocked `sender`; the receipt."""
        tx = {"from": sender, "to": self.address, "data": "0x" + data.hex(), "gas": hex(gas)}
        return await _send_checked(self.rpc, tx, action, self._receipt_timeout_s)

    async def set_executor(self, sender: str, account: str, *, allowed: bool) -> dict[str, Any]:
        data = set_executor_calldata(account, allowed)
        return await self.send(sender, data, action=f"setExecutor({account}, {allowed})")

    async def set_factory(self, sender: str, factory: str, init_code_hash: bytes) -> dict[str, Any]:
        data = set_factory_calldata(factory, init_code_hash)
        return await self.send(sender, data, action=f"setFactory({factory})")

    async def set_balancer_vault(self, sender: str, vault: str) -> dict[str, Any]:
        data = set_balancer_vault_calldata(vault)
        return await self.send(sender, data, action=f"setBalancerVault({vault})")

    async def approve_vault(self, sender: str, vault: str, tokens: Iterable[str]) -> dict[str, Any]:
        tokens = list(tokens)
        data = approve_vault_calldata(vault, tokens)
        gas = _ADMIN_GAS + _DEPLOY_GAS_PER_ENTRY * len(tokens)
        return await self.send(sender, data, gas=gas, action=f"approveVault({vault})")

    async def allowance(self, token: str, spender: str) -> int:
        """The executor's allowance of `token` for `spender`."""
        answer = await self.rpc.call(
            "eth_call",
            {"to": token, "data": encode_call("allowance(address,address)", self.address, spender)},
            "latest",
        )
        return int(decode(["uint256"], answer)[0])

    async def set_aave_pool(self, sender: str, pool: str) -> dict[str, Any]:
        data = set_aave_pool_calldata(pool)
        return await self.send(sender, data, action=f"setAavePool({pool})")

    async def transfer_ownership(self, sender: str, new_owner: str) -> dict[str, Any]:
        data = transfer_ownership_calldata(new_owner)
        return await self.send(sender, data, action=f"transferOwnership({new_owner})")

    async def accept_ownership(self, sender: str) -> dict[str, Any]:
        return await self.send(sender, accept_ownership_calldata(), action="acceptOwnership()")

    async def withdraw(self, sender: str, token: str, amount: int, to: str) -> dict[str, Any]:
        data = withdraw_calldata(token, amount, to)
        return await self.send(sender, data, action=f"withdraw({token}, {amount}, {to})")

    async def withdraw_native(self, sender: str, amount: int, to: str) -> dict[str, Any]:
        data = withdraw_native_calldata(amount, to)
        return await self.send(sender, data, action=f"withdrawNative({amount}, {to})")


def _deploy_gas(executors: list[str], registry: Mapping[str, bytes], tokens: list[str]) -> int:
    vaults = sum(code_hash == _BALANCER_VAULT_MARK for code_hash in registry.values())
    entries = len(executors) + len(registry) + vaults * len(tokens)
    return _DEPLOY_GAS + _DEPLOY_GAS_PER_ENTRY * entries


def _bot_setup(chain: ChainManifest, bot: str) -> dict[str, Any]:
    """The constructor arguments of the bot's executor on `chain` (see `bot_creation_data`)."""
    lenders = {lender.kind: lender.address for lender in chain.lenders}
    registry = factory_registry(chain)
    swaps_through_vault = _BALANCER_VAULT_MARK in registry.values()
    return {
        "owner": bot,
        "executors": (bot,),
        "factories": registry,
        "balancer_vault": lenders.get(_BALANCER_KIND),
        "aave_pool": lenders.get(_AAVE_KIND),
        "vault_tokens": tuple(t.address for t in chain.tokens) if swaps_through_vault else (),
    }


def bot_creation_data(chain: ChainManifest, *, bot: str) -> bytes:
    """Creation data of the bot's executor on `chain`: `bot` owns it and may call `execute`, and
    everything the manifest has is registered: every V2 and V3 factory, the Balancer V2 Vault and
    the Aave V3 Pool (when the manifest lists them); a Vault whose pools it swaps is approved
    for every token of the chain.

    The bot is also listed as an executor so its `execute` costs one cold storage read (the
    executor check comes before the owner check in the contract).
    """
    return creation_data(**_bot_setup(chain, bot))


async def deploy_devnet_executor(
    rpc: RpcClient, chain: ChainManifest, *, bot: str, receipt_timeout_s: float = 60.0
) -> ExecutorContract:
    """The engine's devnet set-up: the unlocked `bot` deploys the contract of
    `bot_creation_data` in one transaction."""
    return await ExecutorContract.deploy(
        rpc, sender=bot, receipt_timeout_s=receipt_timeout_s, **_bot_setup(chain, bot)
    )


async def _send_checked(
    rpc: RpcClient, tx: dict[str, Any], action: str, timeout_s: float
) -> dict[str, Any]:
    """`eth_call` the transaction (a revert raises with its decoded reason), send it, and wait
    for a successful receipt."""
    try:
        await rpc.call("eth_call", tx, "latest")
    except ExecutionRevertedError as exc:
        raise ExecutorRevertError(action, decode_executor_revert(revert_data_of(exc))) from exc
    tx_hash = await rpc.call("eth_sendTransaction", tx)
    receipt = await wait_for_receipt(rpc, tx_hash, timeout_s=timeout_s)
    if receipt is None:
        raise TimeoutError_(f"{action}: transaction {tx_hash} not mined in {timeout_s} s")
    if int(receipt["status"], 16) != 1:
        raise RevertError(f"{action}: transaction {tx_hash} reverted on chain")
    return receipt

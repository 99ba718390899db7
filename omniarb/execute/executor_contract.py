"""Deploys and administers `OmniArbExecutor` from accounts the node holds unlocked (anvil), which
is how the engine sets up the devnet at start-up and how the tests drive the contract:

    bot = dev_account(BOT_INDEX).address
    executor = await deploy_devnet_executor(rpc, chain, bot=bot)
    await executor.set_executor(bot, trader, allowed=True)

On a real chain the owner's key signs the same bytes (`omniarb.execute.executor_calldata`).
Every send is simulated first (`eth_call`), so a revert raises `ExecutorRevertError` naming the
contract's custom error and its arguments instead of a bare failed receipt.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from eth_utils.address import to_checksum_address

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.receipts import wait_for_receipt
from omniarb.chains.rpc import RpcClient
from omniarb.errors import ExecutionRevertedError, RevertError, TimeoutError_
from omniarb.execute._revert import revert_data_of
from omniarb.execute.executor_calldata import (
    ExecutorRevertError,
    accept_ownership_calldata,
    bot_setup,
    creation_data,
    decode_executor_revert,
    set_aave_pool_calldata,
    set_balancer_vault_calldata,
    set_executor_calldata,
    set_factory_calldata,
    transfer_ownership_calldata,
    withdraw_calldata,
    withdraw_native_calldata,
)
from omniarb.network import ChainManifest

__all__ = ["ExecutorContract", "deploy_devnet_executor"]

# Runtime code is up to the 24,576-byte limit (200 gas a byte to deposit: 4.9M), its creation
# code as much again in calldata (16 gas a byte); each registry entry adds a cold SSTORE and a log.
_DEPLOY_GAS = 6_000_000
_DEPLOY_GAS_PER_ENTRY = 50_000
_ADMIN_GAS = 200_000


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
        receipt_timeout_s: float = 60.0,
    ) -> ExecutorContract:
        """Deploy from the unlocked `sender`; `owner` defaults to the sender."""
        executors = list(executors)
        registry = dict(factories or {})
        data = creation_data(
            owner=owner or sender,
            executors=executors,
            factories=registry,
            balancer_vault=balancer_vault,
            aave_pool=aave_pool,
        )
        gas = _deploy_gas(executors, registry)
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


async def deploy_devnet_executor(
    rpc: RpcClient, chain: ChainManifest, *, bot: str, receipt_timeout_s: float = 60.0
) -> ExecutorContract:
    """The engine's devnet set-up: the unlocked `bot` deploys the contract of
    `bot_creation_data` in one transaction."""
    return await ExecutorContract.deploy(
        rpc, sender=bot, receipt_timeout_s=receipt_timeout_s, **bot_setup(chain, bot)
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


def _deploy_gas(executors: list[str], registry: Mapping[str, bytes]) -> int:
    entries = len(executors) + len(registry)
    return _DEPLOY_GAS + _DEPLOY_GAS_PER_ENTRY * entries

"""What a transaction to `OmniArbExecutor` (contracts/executor/OmniArbExecutor.sol) carries: its
creation data and the owner's calls, as bytes a signer puts in a transaction, the registry the
contract checks pools against, and its custom errors decoded.

The registry is `factory → init code hash` for V2 and V3 alike (`factory_registry`), with marks
in place of a hash for a V4 PoolManager, a Balancer Vault and the chain's wrapped native token
(the only token it unwraps into a pool of the native coin and wraps out of one); the Balancer
Vault and the Aave Pool it borrows from are set at deployment or with the owner-only
`setBalancerVault` / `setAavePool`. A Vault whose pools it swaps pulls their input from it with
an allowance the hop gives for exactly its amount, right before the swap, and the pull spends to
zero: the executor holds no standing allowance to any contract it does not own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from eth_utils.crypto import keccak

from omniarb.chains.abi import encode_args, encode_call
from omniarb.chains.spec import BALANCER_VAULT_MARK
from omniarb.contracts import Artifact, load_artifact
from omniarb.dex.deployments import dex_parameters
from omniarb.dex.registry import is_traded
from omniarb.dex.uniswap_v2.adapter import ADAPTER as UNISWAP_V2
from omniarb.dex.uniswap_v3.adapter import ADAPTER as UNISWAP_V3
from omniarb.errors import RevertError
from omniarb.execute._revert import RevertReason, decode_revert, error_signatures_from_abi
from omniarb.network import ChainManifest

__all__ = [
    "BALANCER_VAULT_MARK_BYTES",
    "EXECUTOR_CONTRACT",
    "UNISWAP_V2_PAIR_INIT_CODE_HASH",
    "UNISWAP_V3_POOL_INIT_CODE_HASH",
    "WRAPPED_NATIVE_MARK",
    "ExecutorRevertError",
    "accept_ownership_calldata",
    "bot_creation_data",
    "bot_setup",
    "creation_data",
    "decode_executor_revert",
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
)
BALANCER_VAULT_MARK_BYTES = bytes.fromhex(BALANCER_VAULT_MARK.removeprefix("0x"))


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
) -> bytes:
    """Input of the deployment transaction: creation code and constructor arguments.

    `factories` maps each factory address to its pairs' or pools' init code hash (32 bytes);
    `balancer_vault` / `aave_pool` enable flash sources 1 and 2 (None leaves them off).
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


def bot_setup(chain: ChainManifest, bot: str) -> dict[str, Any]:
    """The constructor arguments of the bot's executor on `chain` (see `bot_creation_data`)."""
    lenders = {lender.kind: lender.address for lender in chain.lenders}
    registry = factory_registry(chain)
    return {
        "owner": bot,
        "executors": (bot,),
        "factories": registry,
        "balancer_vault": lenders.get(_BALANCER_KIND),
        "aave_pool": lenders.get(_AAVE_KIND),
    }


def bot_creation_data(chain: ChainManifest, *, bot: str) -> bytes:
    """Creation data of the bot's executor on `chain`: `bot` owns it and may call `execute`, and
    everything the manifest has is registered: every V2 and V3 factory, the Balancer V2 Vault and
    the Aave V3 Pool (when the manifest lists them).

    The bot is also listed as an executor so its `execute` costs one cold storage read (the
    executor check comes before the owner check in the contract).
    """
    return creation_data(**bot_setup(chain, bot))

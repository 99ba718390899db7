"""Safe 1.4.1 on a devnet chain (npm `@safe-global/safe-contracts` 1.4.1): the singleton, the
proxy factory and the compatibility fallback handler from the package's bytecode, and one 2-of-3
Safe proxy (`createProxyWithNonce` with `setup` as its initializer) whose owners are the devnet
accounts `SAFE_OWNER_INDICES`. That Safe will own the bot's executor (`omniarb.devnet.bot_access`).

The singleton is `SafeL2` on the L2 chains (fee model with an L1 data fee) and `Safe` elsewhere:
SafeL2 is `contract SafeL2 is Safe` that "emits additional events on transaction executions"
(SafeL2.sol), a `SafeMultiSigTransaction` per transaction, for chains whose indexers read events
rather than call traces. The transaction hash, the signatures and `execTransaction` are the
same; SafeL2 costs more gas per transaction for the event.
"""

from __future__ import annotations

from types import MappingProxyType

from omniarb.chains.abi import encode_call
from omniarb.chains.spec import ChainSpec, FeeModel
from omniarb.contracts import load_npm_artifact
from omniarb.devnet.accounts import SAFE_OWNER_INDICES, SAFE_THRESHOLD, dev_account
from omniarb.devnet.deploy._sender import Sender, checksum, mined_receipt
from omniarb.errors import DevnetError
from omniarb.network import SafeEntry

__all__ = ["SAFE_ARTIFACT_PATHS", "deploy_safe"]

_ROOT = "@safe-global/safe-contracts/build/artifacts/contracts/"
SAFE_ARTIFACT_PATHS = MappingProxyType(
    {
        "Safe": _ROOT + "Safe.sol/Safe.json",
        "SafeL2": _ROOT + "SafeL2.sol/SafeL2.json",
        "SafeProxyFactory": _ROOT + "proxies/SafeProxyFactory.sol/SafeProxyFactory.json",
        "CompatibilityFallbackHandler": _ROOT
        + "handler/CompatibilityFallbackHandler.sol/CompatibilityFallbackHandler.json",
    }
)
_ZERO = "0x" + "00" * 20
# SafeProxyFactory 1.4.1: event ProxyCreation(SafeProxy indexed proxy, address singleton).
_PROXY_CREATION = "0x4f51faf6c4561ff95f067657e43439f0f856d97c04d9ec9070a6199ad418e235"
_SALT_NONCE = 0
_CREATE_PROXY_GAS = 1_000_000


def singleton_name(chain: ChainSpec) -> str:
    """`SafeL2` on an L2, `Safe` elsewhere (see the module docstring)."""
    return "SafeL2" if chain.fee_model is FeeModel.L2_EIP1559 else "Safe"


async def deploy_safe(chain: ChainSpec, deployer: Sender) -> SafeEntry:
    """Deploy Safe 1.4.1's contracts and the chain's 2-of-3 Safe; its manifest entry."""
    name = singleton_name(chain)
    singleton = await deployer.deploy(name, load_npm_artifact(SAFE_ARTIFACT_PATHS[name]))
    factory = await deployer.deploy(
        "SafeProxyFactory", load_npm_artifact(SAFE_ARTIFACT_PATHS["SafeProxyFactory"])
    )
    handler = await deployer.deploy(
        "CompatibilityFallbackHandler",
        load_npm_artifact(SAFE_ARTIFACT_PATHS["CompatibilityFallbackHandler"]),
    )
    owners = [dev_account(i).address for i in SAFE_OWNER_INDICES]
    setup = encode_call(
        "setup(address[],uint256,address,bytes,address,address,uint256,address)",
        owners,
        SAFE_THRESHOLD,
        _ZERO,
        b"",
        handler,
        _ZERO,
        0,
        _ZERO,
    )
    initializer = bytes.fromhex(setup.removeprefix("0x"))
    data = encode_call(
        "createProxyWithNonce(address,bytes,uint256)", singleton, initializer, _SALT_NONCE
    )
    tx_hash = await deployer.send("Safe proxy", factory, data, gas=_CREATE_PROXY_GAS)
    receipt = await mined_receipt(deployer.rpc, tx_hash)
    created = [
        entry["topics"][1]
        for entry in receipt["logs"]
        if entry["address"].lower() == factory.lower() and entry["topics"][0] == _PROXY_CREATION
    ]
    if int(receipt["status"], 16) != 1 or not created:
        raise DevnetError(f"{chain.name}: creating the Safe failed (tx {tx_hash})")
    return SafeEntry(
        address=checksum("0x" + created[0][-40:]),
        owners=tuple(owners),
        threshold=SAFE_THRESHOLD,
        singleton=singleton,
        proxy_factory=factory,
        fallback_handler=handler,
    )

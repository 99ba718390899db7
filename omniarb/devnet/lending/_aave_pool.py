"""The core of an Aave V3 market (`@aave/core-v3` 1.19.3): PoolAddressesProvider → ACLManager →
the seven linked logic libraries → Pool (L2Pool on rollups, as Aave deploys there) behind the
provider's proxy → PoolConfigurator behind its proxy. The order is the one FACTS.md verified.

What the market lists and lends (oracle, reserves, flash premium, supply) is `_aave_market.py`.
"""

from __future__ import annotations

from eth_utils.address import to_checksum_address

from omniarb.chains.abi import encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import ChainSpec
from omniarb.devnet.lending._artifacts import lender_artifact, linked
from omniarb.devnet.lending._tx import TxSender, mined, view
from omniarb.errors import DevnetError

__all__ = ["deploy_aave_pool"]

# Chains where Aave deploys L2Pool (calldata-compact entry points) instead of Pool.
_L2_POOL_CHAINS = frozenset({"arbitrum", "optimism"})
_ZERO = "0x" + "00" * 20


async def deploy_aave_pool(chain: ChainSpec, rpc: RpcClient, deployer: TxSender) -> dict[str, str]:
    """Provider, ACL, libraries, Pool and PoolConfigurator proxies; addresses by role."""
    admin = deployer.address
    provider = await deployer.deploy(
        "aave PoolAddressesProvider",
        lender_artifact("PoolAddressesProvider"),
        ["string", "address"],
        ["omniarb devnet", admin],
    )
    await deployer.send("aave setACLAdmin", provider, encode_call("setACLAdmin(address)", admin))
    acl = await deployer.deploy(
        "aave ACLManager", lender_artifact("ACLManager"), ["address"], [provider]
    )
    await deployer.send("aave setACLManager", provider, encode_call("setACLManager(address)", acl))
    await deployer.send("aave addPoolAdmin", acl, encode_call("addPoolAdmin(address)", admin))

    libraries: dict[str, str] = {}
    for name in ("SupplyLogic", "BorrowLogic", "LiquidationLogic", "EModeLogic", "BridgeLogic"):
        libraries[name] = await deployer.deploy(f"aave {name}", lender_artifact(name))
    for name in ("PoolLogic", "FlashLoanLogic", "ConfiguratorLogic"):
        libraries[name] = await deployer.deploy(
            f"aave {name}", linked(lender_artifact(name), libraries)
        )
    pool_kind = "L2Pool" if chain.name in _L2_POOL_CHAINS else "Pool"
    pool_impl = await deployer.deploy(
        f"aave {pool_kind}", linked(lender_artifact(pool_kind), libraries), ["address"], [provider]
    )
    tx = await deployer.send(
        "aave setPoolImpl", provider, encode_call("setPoolImpl(address)", pool_impl), gas=3_000_000
    )
    configurator_impl = await deployer.deploy(
        "aave PoolConfigurator", linked(lender_artifact("PoolConfigurator"), libraries)
    )
    await mined(rpc, tx, "aave setPoolImpl")
    tx = await deployer.send(
        "aave setPoolConfiguratorImpl",
        provider,
        encode_call("setPoolConfiguratorImpl(address)", configurator_impl),
        gas=3_000_000,
    )
    await mined(rpc, tx, "aave setPoolConfiguratorImpl")
    pool = str(to_checksum_address(await view(rpc, provider, "getPool()", "address")))
    configurator = str(
        to_checksum_address(await view(rpc, provider, "getPoolConfigurator()", "address"))
    )
    if _ZERO in (pool.lower(), configurator.lower()):
        raise DevnetError(f"{chain.name}: Aave's provider created no Pool/PoolConfigurator proxy")
    return {
        "pool_addresses_provider": provider,
        "acl_manager": acl,
        "pool": pool,
        "pool_implementation": pool_impl,
        "pool_configurator": configurator,
    }

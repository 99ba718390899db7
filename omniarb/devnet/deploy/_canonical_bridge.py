"""The chain's lock-and-release bridge (`DevCanonicalBridge`), shaped like a canonical bridge:
deployed with the messenger account as the only finalizer, and funded with every catalog token
so it can release what other chains lock (the devnet moves the same asset between chains, and
only the deployer may mint a DevToken: the contract's notice says why it releases, not mints).

The messenger (`CANONICAL_MESSENGER_INDEX`) is past anvil's funded accounts: it is given native
coin here for its gas, and, impersonated on the throw-away deployment node, wraps the bridge's
wrapped-native liquidity (WETH9 has no mint).
"""

from __future__ import annotations

from omniarb.chains.abi import encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.config import DEFAULT_CANONICAL_DELAY_S
from omniarb.contracts import load_artifact
from omniarb.devnet.accounts import CANONICAL_MESSENGER_INDEX, dev_account
from omniarb.devnet.catalog import REFERENCE_PRICES_USD, ChainCatalog
from omniarb.devnet.deploy._sender import Sender
from omniarb.devnet.pricing import amount_for_usd
from omniarb.network import BridgeEntry

__all__ = [
    "CANONICAL_BRIDGE_CONTRACT",
    "CANONICAL_BRIDGE_NAME",
    "LIQUIDITY_USD",
    "deploy_canonical_bridge",
]

CANONICAL_BRIDGE_CONTRACT = "DevCanonicalBridge"
CANONICAL_BRIDGE_NAME = "canonical"
# What the bridge holds of each token to release: far more than the rebalancer's inventory
# (`[devnet] executor_inventory`), so a transfer never waits for liquidity.
LIQUIDITY_USD = 10_000_000
# The messenger's native coin for gas, beyond what it wraps for the bridge.
_MESSENGER_GAS_WEI = 1_000 * 10**18


async def deploy_canonical_bridge(
    rpc: RpcClient, deployer: Sender, catalog: ChainCatalog, tokens: dict[str, str]
) -> BridgeEntry:
    """Deploy the bridge, fund its liquidity and its messenger; the manifest's entry (its delay
    the default `[devnet.bridges] canonical_delay_s`; `Devnet` puts the configured one)."""
    messenger = dev_account(CANONICAL_MESSENGER_INDEX).address
    bridge = await deployer.deploy(
        "canonical bridge", load_artifact(CANONICAL_BRIDGE_CONTRACT), ["address"], [messenger]
    )
    liquidity = {
        token.symbol: amount_for_usd(
            LIQUIDITY_USD, REFERENCE_PRICES_USD[token.asset], token.decimals
        )
        for token in catalog.tokens
    }
    wrapped = [token for token in catalog.tokens if token.wrapped_native]
    wrap_wei = sum(liquidity[token.symbol] for token in wrapped)
    await rpc.call("anvil_setBalance", messenger, hex(wrap_wei + _MESSENGER_GAS_WEI))
    await rpc.call("anvil_impersonateAccount", messenger)
    as_messenger = Sender(rpc, messenger, deployer.sent)
    for token in catalog.tokens:
        address, amount = tokens[token.symbol], liquidity[token.symbol]
        if token.wrapped_native:
            await as_messenger.send(
                f"bridge wraps {token.symbol}", address, encode_call("deposit()"), value=amount
            )
            await as_messenger.send(
                f"bridge liquidity {token.symbol}",
                address,
                encode_call("transfer(address,uint256)", bridge, amount),
            )
        else:
            await deployer.send(
                f"bridge liquidity {token.symbol}",
                address,
                encode_call("mint(address,uint256)", bridge, amount),
            )
    await rpc.call("anvil_stopImpersonatingAccount", messenger)
    return BridgeEntry(
        name=CANONICAL_BRIDGE_NAME,
        kind="canonical",
        address=bridge,
        expected_delay_s=DEFAULT_CANONICAL_DELAY_S,
        contracts={"messenger": messenger},
    )

"""The events of an Algebra Integral pool and factory (`@cryptoalgebra/integral-core` 1.2.10,
`IAlgebraPoolEvents`, `IAlgebraFactory`), by topic 0, defined once for everything that reads
them.

Beware: Integral 1.2.10's `Swap`, `Mint`, `Burn` and `Initialize` have exactly Uniswap V3's
signatures, so their topics are V3's: a log is told apart by the pool that emitted it, never by
its topic. Each swap logs `SwapFee(sender, overrideFee, pluginFee)` just before its `Swap`
(zeros unless a plugin priced it), and each burn `BurnFee(owner, pluginFee)` before its `Burn`.
What a swap reads changes with `Swap`, `Mint`, `Burn`, `Fee` (the pool's `lastFee`),
`PluginConfig` and `Plugin` (whether a plugin may price swaps), and `Initialize`; `TickSpacing`
and `CommunityFee` change what the state records but not the price of a swap.
"""

from __future__ import annotations

from eth_utils.crypto import keccak

__all__ = [
    "BURN_FEE_TOPIC",
    "BURN_TOPIC",
    "COLLECT_TOPIC",
    "COMMUNITY_FEE_TOPIC",
    "COMMUNITY_VAULT_TOPIC",
    "CUSTOM_POOL_TOPIC",
    "EXCESS_TOKENS_TOPIC",
    "FEE_TOPIC",
    "FLASH_TOPIC",
    "INITIALIZE_TOPIC",
    "MINT_TOPIC",
    "PLUGIN_CONFIG_TOPIC",
    "PLUGIN_TOPIC",
    "POOL_TOPIC",
    "SKIM_TOPIC",
    "STATE_TOPICS",
    "SWAP_FEE_TOPIC",
    "SWAP_TOPIC",
    "TICK_SPACING_TOPIC",
]


def _topic(signature: str) -> str:
    return "0x" + keccak(text=signature).hex()


INITIALIZE_TOPIC = _topic("Initialize(uint160,int24)")
MINT_TOPIC = _topic("Mint(address,address,int24,int24,uint128,uint256,uint256)")
BURN_TOPIC = _topic("Burn(address,int24,int24,uint128,uint256,uint256)")
BURN_FEE_TOPIC = _topic("BurnFee(address,uint24)")
SWAP_TOPIC = _topic("Swap(address,address,int256,int256,uint160,uint128,int24)")
SWAP_FEE_TOPIC = _topic("SwapFee(address,uint24,uint24)")
COLLECT_TOPIC = _topic("Collect(address,address,int24,int24,uint128,uint128)")
FLASH_TOPIC = _topic("Flash(address,address,uint256,uint256,uint256,uint256)")
EXCESS_TOKENS_TOPIC = _topic("ExcessTokens(uint256,uint256)")
COMMUNITY_FEE_TOPIC = _topic("CommunityFee(uint16)")
TICK_SPACING_TOPIC = _topic("TickSpacing(int24)")
PLUGIN_TOPIC = _topic("Plugin(address)")
PLUGIN_CONFIG_TOPIC = _topic("PluginConfig(uint8)")
FEE_TOPIC = _topic("Fee(uint16)")
COMMUNITY_VAULT_TOPIC = _topic("CommunityVault(address)")
SKIM_TOPIC = _topic("Skim(address,uint256,uint256)")
# AlgebraFactory: `Pool(token0, token1, pool)` for every pool (in 1.2.10 also for custom pools,
# beside `CustomPool(deployer, token0, token1, pool)`).
POOL_TOPIC = _topic("Pool(address,address,address)")
CUSTOM_POOL_TOPIC = _topic("CustomPool(address,address,address,address)")

# The events after which a trade priced before them no longer holds.
STATE_TOPICS = frozenset(
    {
        SWAP_TOPIC,
        MINT_TOPIC,
        BURN_TOPIC,
        FEE_TOPIC,
        PLUGIN_TOPIC,
        PLUGIN_CONFIG_TOPIC,
        INITIALIZE_TOPIC,
    }
)

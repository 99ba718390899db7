"""The events of a Uniswap V3 pool and factory (v3-core `IUniswapV3PoolEvents`,
`UniswapV3Factory`), by topic 0, defined once for everything that reads them.

What a swap reads (`slot0`'s price and tick, the active liquidity, the ticks' liquidity) changes
only with `Initialize` (once, before any trade), `Swap`, `Mint` and `Burn`; `Flash`, `Collect`
and the protocol-fee events leave it alone.
"""

from __future__ import annotations

__all__ = [
    "BURN_TOPIC",
    "INITIALIZE_TOPIC",
    "MINT_TOPIC",
    "POOL_CREATED_TOPIC",
    "SWAP_TOPIC",
]

# keccak of Swap(address,address,int256,int256,uint160,uint128,int24),
# Mint(address,address,int24,int24,uint128,uint256,uint256),
# Burn(address,int24,int24,uint128,uint256,uint256), Initialize(uint160,int24) and
# PoolCreated(address,address,uint24,int24,address).
SWAP_TOPIC = "0xc42079f94a6350d7e6235f29174924f928cc2ac818eb64fed8004e115fbcca67"
MINT_TOPIC = "0x7a53080ba414158be7ec69b987b5fb7d07dee101fe85488f0853ae16239d0bde"
BURN_TOPIC = "0x0c396cd989a39f4459b5fa1aed6a9a8dcdbc45908acfd67e028cd568da98982c"
INITIALIZE_TOPIC = "0x98636036cb66a9c19a37435efc1e90142190214e8abeb821bdba3f2990dd4c95"
POOL_CREATED_TOPIC = "0x783cca1c0412dd0d695e784568c96da2e9c22ff989357a2e8b1d9b2b4e6b7118"

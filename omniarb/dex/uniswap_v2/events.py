"""The events of a Uniswap V2 pair and factory (v2-core `UniswapV2Pair`, `UniswapV2Factory`), by
topic 0, defined once for everything that reads them.

`Sync(reserve0, reserve1)` follows every change of the reserves (`_update`: swap, mint, burn,
`sync`), so it alone says that a pair's state changed; `Swap`, `Mint` and `Burn` always come with
it and `skim` changes no reserve.
"""

from __future__ import annotations

__all__ = ["PAIR_CREATED_TOPIC", "STATE_TOPICS", "SYNC_TOPIC"]

# keccak("Sync(uint112,uint112)") and keccak("PairCreated(address,address,address,uint256)").
SYNC_TOPIC = "0x1c411e9a96e071241c2f21f7726b17ae89e3cab4c78be50e062b03a9fffbbad1"
PAIR_CREATED_TOPIC = "0x0d3648bd0f6ba80134a33ba9275ac585d9d315f0ad8355cddefde31afa28d0e9"

STATE_TOPICS = frozenset({SYNC_TOPIC})

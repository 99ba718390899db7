"""Uniswap V3 as an adapter (`omniarb.dex.base.DexAdapter`)."""

from __future__ import annotations

from dataclasses import dataclass

from omniarb.chains.spec import UNISWAP_V3_INIT_CODE_HASH
from omniarb.dex.uniswap_v3 import events

__all__ = ["ADAPTER", "UniswapV3Adapter"]


@dataclass(frozen=True, slots=True)
class UniswapV3Adapter:
    kind: str = "uniswap-v3"
    hop_kind: int = 1  # KIND_UNISWAP_V3
    lender_source: int = 3  # the pool's `flash`
    # v3-core 1.0.1's UniswapV3Pool (v3-periphery PoolAddress.POOL_INIT_CODE_HASH).
    reference_init_code_hash: str = UNISWAP_V3_INIT_CODE_HASH
    state_topics: frozenset[str] = events.STATE_TOPICS
    fee_per_pool: bool = True


ADAPTER = UniswapV3Adapter()

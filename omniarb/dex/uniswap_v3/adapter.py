"""Uniswap V3 as an adapter (`omniarb.dex.base.DexAdapter`)."""

from __future__ import annotations

from dataclasses import dataclass

from omniarb.dex.uniswap_v3 import events

__all__ = ["ADAPTER", "UniswapV3Adapter"]


@dataclass(frozen=True, slots=True)
class UniswapV3Adapter:
    kind: str = "uniswap-v3"
    hop_kind: int = 1  # KIND_UNISWAP_V3
    lender_source: int = 3  # the pool's `flash`
    # v3-core 1.0.1's UniswapV3Pool (v3-periphery PoolAddress.POOL_INIT_CODE_HASH).
    reference_init_code_hash: str = (
        "0xe34f199b19b2b4f47f68442619d555527d244f78a3297ea89325f843f87b8b54"
    )
    state_topics: frozenset[str] = events.STATE_TOPICS
    fee_per_pool: bool = True


ADAPTER = UniswapV3Adapter()

"""Uniswap V2 and its forks as an adapter (`omniarb.dex.base.DexAdapter`)."""

from __future__ import annotations

from dataclasses import dataclass

from omniarb.chains.spec import UNISWAP_V2_INIT_CODE_HASH
from omniarb.dex.uniswap_v2 import events

__all__ = ["ADAPTER", "UniswapV2Adapter"]


@dataclass(frozen=True, slots=True)
class UniswapV2Adapter:
    kind: str = "uniswap-v2"
    hop_kind: int = 0  # KIND_UNISWAP_V2
    lender_source: int = 0  # a flash swap (source 0) with a lender record
    # v2-core 1.0.1's UniswapV2Pair (UniswapV2Library.pairFor's constant).
    reference_init_code_hash: str = UNISWAP_V2_INIT_CODE_HASH
    state_topics: frozenset[str] = events.STATE_TOPICS
    fee_per_pool: bool = False


ADAPTER = UniswapV2Adapter()

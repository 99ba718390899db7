"""A PancakeSwap V3 pool's state: v3-core's state value under the kind's own name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from omniarb.dex.uniswap_v3.flavour import V3Flavour
from omniarb.dex.uniswap_v3.pool import V3PoolState

__all__ = ["KIND", "PANCAKESWAP_V3_FLAVOUR", "SWAP_TOPIC", "PancakeV3PoolState"]

KIND = "pancakeswap-v3"
# keccak of Swap(address,address,int256,int256,uint160,uint128,int24,uint128,uint128)
# (`IPancakeV3PoolEvents.Swap`: v3-core's fields, then protocolFeesToken0/1).
SWAP_TOPIC = "0x19b47279256b2a23a1665c810c8d55a1758940ee09377d4f8d26497a3577dc83"


@dataclass(frozen=True, slots=True, kw_only=True)
class PancakeV3PoolState(V3PoolState):
    """A PancakeSwap V3 pool as of `block_number`. `PancakeV3Pool.swap` runs v3-core's loop
    unchanged (its farming hook `lmPool.accumulateReward` and protocol-fee split move no
    amount a swap pays), so the inherited simulation is exact."""

    kind: ClassVar[str] = KIND


PANCAKESWAP_V3_FLAVOUR = V3Flavour(
    state_type=PancakeV3PoolState, swap_topic=SWAP_TOPIC, swap_words=7, noun="PancakeSwap V3 pools"
)

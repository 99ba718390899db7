"""What sets a fork of Uniswap V3's pool apart where everything a swap reads and computes is
v3-core's: the kind it trades as (its state class carries the name) and the layout of its
`Swap` event. PancakeSwap V3 (`omniarb.dex.pancakeswap_v3`) is such a fork: its pool ports
v3-core's libraries unchanged and adds two protocol-fee words to `Swap`; its `Mint`, `Burn`,
`Initialize` and factory `PoolCreated` events, getters and `slot0` words are v3-core's.
"""

from __future__ import annotations

from dataclasses import dataclass

from omniarb.dex.uniswap_v3.events import (
    BURN_TOPIC,
    INITIALIZE_TOPIC,
    MINT_TOPIC,
    POOL_CREATED_TOPIC,
    SWAP_TOPIC,
)
from omniarb.dex.uniswap_v3.pool import V3PoolState

__all__ = ["UNISWAP_V3_FLAVOUR", "V3Flavour"]


@dataclass(frozen=True, slots=True, kw_only=True)
class V3Flavour:
    """A V3 pool family: `state_type` (whose `kind` names it), its `Swap` topic and how many
    32-byte words the event's data holds (the price, liquidity and tick are always words 2–4),
    and what log lines call its pools."""

    state_type: type[V3PoolState]
    swap_topic: str
    swap_words: int
    noun: str

    @property
    def kind(self) -> str:
        return self.state_type.kind

    @property
    def state_topics(self) -> frozenset[str]:
        """The events after which a trade priced before them no longer holds."""
        return frozenset({self.swap_topic, MINT_TOPIC, BURN_TOPIC})

    @property
    def topics(self) -> tuple[str, ...]:
        """Topic 0 of every log its book reads (its pools' and its factories')."""
        return (self.swap_topic, MINT_TOPIC, BURN_TOPIC, INITIALIZE_TOPIC, POOL_CREATED_TOPIC)


UNISWAP_V3_FLAVOUR = V3Flavour(
    state_type=V3PoolState, swap_topic=SWAP_TOPIC, swap_words=5, noun="V3 pools"
)

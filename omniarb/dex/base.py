"""What the rest of omni-arb may know about a kind of DEX pool: the adapter protocol.

A kind (`uniswap-v2`, `uniswap-v3`) is one package under `omniarb/dex/` and one entry of
`omniarb.dex.registry`. The stages reach a kind's facts through its adapter, never by
comparing kind names. So far an adapter says how the executor contract names its hops and
loans, which events change a pool's state, and which init code hash its reference deployment
creates pools with; pool discovery, state, reading, hop encoding and gas move behind it next.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["DexAdapter"]


class DexAdapter(Protocol):
    """One kind of pool, as the pipeline and the executor contract see it."""

    @property
    def kind(self) -> str:
        """The kind's name, as manifests, routes and the history record it."""
        ...

    @property
    def hop_kind(self) -> int:
        """The executor plan's kind byte for a hop through a pool of this kind
        (`OmniArbExecutor.sol`, `KIND_*`)."""
        ...

    @property
    def lender_source(self) -> int:
        """The plan's flash-source byte when a pool of this kind outside the route lends."""
        ...

    @property
    def reference_init_code_hash(self) -> str:
        """The keccak of the reference deployment's pool creation code (forks differ: their
        own hash is a parameter of the DEX, `network.dex_parameters`)."""
        ...

    @property
    def state_topics(self) -> frozenset[str]:
        """Topic 0 of the events after which what a swap reads has changed."""
        ...

    @property
    def fee_per_pool(self) -> bool:
        """Whether each pool has its own fee (else the DEX sets one fee for all its pools)."""
        ...

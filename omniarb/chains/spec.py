"""The five supported chains and the DEX deployments omni-arb knows on each.

These are facts about the real networks (chain ids, native tokens, fee models, block times); the
devnet reproduces them locally with the same ids and names.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from omniarb.errors import NotFoundError

__all__ = [
    "CHAINS",
    "ChainSpec",
    "DexKind",
    "DexSpec",
    "FeeModel",
    "MempoolKind",
    "chain_by_id",
    "chain_by_name",
    "resolve_chain",
]


class FeeModel(StrEnum):
    EIP1559 = "eip1559"
    LEGACY = "legacy"
    L2_EIP1559 = "l2-eip1559"  # EIP-1559 on L2 plus an L1 data fee


class MempoolKind(StrEnum):
    PUBLIC = "public"
    SEQUENCER = "sequencer"  # first-come first-served, no public mempool


class DexKind(StrEnum):
    UNISWAP_V2 = "uniswap-v2"
    UNISWAP_V3 = "uniswap-v3"


@dataclass(frozen=True, slots=True, kw_only=True)
class DexSpec:
    """A DEX deployment by name; `fee_bps` is the V2 swap fee (V3 fees are per pool)."""

    name: str
    kind: DexKind
    fee_bps: int = 30


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainSpec:
    """Static facts about one chain; `block_time_s` is the real network's."""

    chain_id: int
    name: str
    display_name: str
    native_symbol: str
    wrapped_native_symbol: str
    block_time_s: float
    fee_model: FeeModel
    mempool: MempoolKind
    dexes: tuple[DexSpec, ...]

    def dex(self, name: str) -> DexSpec:
        for dex in self.dexes:
            if dex.name == name:
                return dex
        known = ", ".join(d.name for d in self.dexes)
        raise NotFoundError(f"unknown DEX {name!r} on {self.name} (known: {known})")


def _v2(name: str) -> DexSpec:
    return DexSpec(name=name, kind=DexKind.UNISWAP_V2)


_V3 = DexSpec(name="uniswap-v3", kind=DexKind.UNISWAP_V3)

CHAINS: tuple[ChainSpec, ...] = (
    ChainSpec(
        chain_id=1,
        name="ethereum",
        display_name="Ethereum",
        native_symbol="ETH",
        wrapped_native_symbol="WETH",
        block_time_s=12.0,
        fee_model=FeeModel.EIP1559,
        mempool=MempoolKind.PUBLIC,
        dexes=(_v2("uniswap-v2"), _v2("sushiswap"), _V3),
    ),
    ChainSpec(
        chain_id=56,
        name="bnb",
        display_name="BNB Chain",
        native_symbol="BNB",
        wrapped_native_symbol="WBNB",
        block_time_s=3.0,
        fee_model=FeeModel.LEGACY,
        mempool=MempoolKind.PUBLIC,
        dexes=(_v2("pancakeswap-v2"), _v2("biswap"), _V3),
    ),
    ChainSpec(
        chain_id=137,
        name="polygon",
        display_name="Polygon",
        native_symbol="POL",
        wrapped_native_symbol="WPOL",
        block_time_s=2.0,
        fee_model=FeeModel.EIP1559,
        mempool=MempoolKind.PUBLIC,
        dexes=(_v2("quickswap"), _v2("sushiswap"), _V3),
    ),
    ChainSpec(
        chain_id=42161,
        name="arbitrum",
        display_name="Arbitrum One",
        native_symbol="ETH",
        wrapped_native_symbol="WETH",
        block_time_s=0.25,
        fee_model=FeeModel.L2_EIP1559,
        mempool=MempoolKind.SEQUENCER,
        dexes=(_v2("sushiswap"), _v2("camelot"), _V3),
    ),
    ChainSpec(
        chain_id=10,
        name="optimism",
        display_name="Optimism",
        native_symbol="ETH",
        wrapped_native_symbol="WETH",
        block_time_s=2.0,
        fee_model=FeeModel.L2_EIP1559,
        mempool=MempoolKind.SEQUENCER,
        dexes=(_v2("sushiswap"), _v2("zipswap"), _V3),
    ),
)


def chain_by_name(name: str) -> ChainSpec:
    for chain in CHAINS:
        if chain.name == name:
            return chain
    known = ", ".join(c.name for c in CHAINS)
    raise NotFoundError(f"unknown chain {name!r} (known: {known})")


def chain_by_id(chain_id: int) -> ChainSpec:
    for chain in CHAINS:
        if chain.chain_id == chain_id:
            return chain
    known = ", ".join(f"{c.chain_id} ({c.name})" for c in CHAINS)
    raise NotFoundError(f"unknown chain id {chain_id} (known: {known})")


def resolve_chain(name_or_id: str | int) -> ChainSpec:
    """A chain by name (`polygon`) or id (`137`, as int or decimal string)."""
    if isinstance(name_or_id, int) or name_or_id.isdigit():
        return chain_by_id(int(name_or_id))
    return chain_by_name(name_or_id)

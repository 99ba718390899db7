"""The `[devnet]` and `[market]` tables: the local devnet's chains, its options (scale, trap
tokens, the executor's inventory, rival searchers) and its simulated market."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from pydantic import BaseModel, Field, PositiveFloat, field_validator, model_validator

from omniarb._config_rivals import RivalsSettings
from omniarb._config_services import MODEL
from omniarb.chains.spec import CHAINS, ChainSpec
from omniarb.paths import node_modules

__all__ = [
    "DEFAULT_CANONICAL_DELAY_S",
    "DEFAULT_DEVNET_BLOCK_TIME_S",
    "DEFAULT_DEVNET_RELAYS",
    "DEFAULT_EXECUTOR_INVENTORY",
    "DevnetBridgeSettings",
    "DevnetChainSettings",
    "DevnetScale",
    "DevnetSettings",
    "MarketSettings",
]

# Strict: TOML already has types, so "7" must not silently become 7.
_MODEL = MODEL

# Faster than the real networks so a demo shows activity within seconds, in the same order of
# pace: Arbitrum fastest, Ethereum slowest.
# The devnet chains whose blocks a bundle relay builds by default: those whose trades go only
# in bundles (`ChainSpec.submission`).
DEFAULT_DEVNET_RELAYS = frozenset({"ethereum"})
DEFAULT_DEVNET_BLOCK_TIME_S: Mapping[str, float] = MappingProxyType(
    {"ethereum": 3.0, "bnb": 1.5, "polygon": 1.0, "optimism": 1.0, "arbitrum": 0.5}
)
_CHAIN_NAMES = tuple(chain.name for chain in CHAINS)


# "default": a few dozen pools per chain, deployed in seconds; "large": over a hundred tokens
# and two thousand more pools per chain, a long tail of them (`omniarb.devnet.long_tail`).
DevnetScale = Literal["default", "large"]
# What `omniarb demo` seeds the executor with on each chain that has the token.
DEFAULT_EXECUTOR_INVENTORY = MappingProxyType({"WETH": 100.0, "USDC": 250_000.0})


# The devnet canonical bridge's messenger relays a deposit once it is this old: clearly slower
# than an Across fill (seconds), as a real canonical deposit (minutes) is slower than a relayer.
DEFAULT_CANONICAL_DELAY_S = 20.0


class DevnetBridgeSettings(BaseModel):
    """`[devnet.bridges]`: the devnet's bridges between its chains, and their off-chain agents
    (`omniarb.devnet.bridges`): whether `omniarb devnet up` (and the demo) starts them; the
    Across relayer's delay and fee (`across_fee_bps` of the amount plus a fixed
    `across_fixed_fee_usd` at the devnet's reference prices); and `canonical_delay_s`, how old a
    deposit on the lock-and-release bridge (`DevCanonicalBridge`) must be before its messenger
    finalizes it on the destination, the delay the manifest announces."""

    model_config = _MODEL

    enabled: bool = Field(default=True, description="true or false")
    across_delay_s: float = Field(
        default=3.0, ge=0, le=3600, description="seconds from a deposit's block to its fill"
    )
    across_fee_bps: int = Field(
        default=5, ge=0, lt=10_000, description="an integer number of basis points, 0 to 9999"
    )
    across_fixed_fee_usd: float = Field(
        default=0.5, ge=0, le=1_000, description="US dollars per fill, 0 to 1000"
    )

    canonical_delay_s: float = Field(
        default=DEFAULT_CANONICAL_DELAY_S,
        ge=0,
        le=3600,
        description="seconds, a number from 0 to 3600",
    )


class DevnetChainSettings(BaseModel):
    """One devnet chain: whether `omniarb devnet up` starts it, how fast it mines, and whether a
    bundle relay builds its blocks (`omniarb.devnet.relay`; by default Ethereum's, whose trades
    go in bundles)."""

    model_config = _MODEL

    enabled: bool = Field(default=True, description="true or false")
    block_time_s: float = Field(
        gt=0, le=60, description="seconds between blocks, a number > 0 and <= 60"
    )
    relay: bool = Field(default=False, description="true or false")


def _default_devnet_chains() -> dict[str, DevnetChainSettings]:
    return {
        name: DevnetChainSettings(
            block_time_s=DEFAULT_DEVNET_BLOCK_TIME_S[name], relay=name in DEFAULT_DEVNET_RELAYS
        )
        for name in _CHAIN_NAMES
    }


class DevnetSettings(BaseModel):
    """The local devnet: one anvil node per enabled chain, bound to `host`."""

    model_config = _MODEL

    host: str = Field(default="127.0.0.1", description="an IP address or host name of this machine")
    cache: bool = Field(default=True, description="true or false")
    scale: DevnetScale = Field(
        default="default",
        description='"default" (~30 pools per chain) or "large" (100+ tokens, 2,000+ pools)',
    )
    anvil_path: str = Field(
        default="", description='a path to an anvil binary, or "" for node_modules/.bin/anvil'
    )
    # The malicious tokens of `omniarb.devnet.traps` (Ethereum), each with pools that look
    # profitable: on in the demo (and `devnet up`), so token safety has something to refuse.
    traps: bool = Field(default=True, description="true or false")
    chains: dict[str, DevnetChainSettings] = Field(
        default_factory=_default_devnet_chains, description="one table per chain name"
    )
    # Whole tokens by symbol given to the bot's executor when a devnet run deploys it, so that
    # trades needing capital from outside their route can use inventory instead of a loan.
    executor_inventory: dict[str, PositiveFloat] = Field(
        default_factory=lambda: dict(DEFAULT_EXECUTOR_INVENTORY),
        description="whole tokens per token symbol, numbers > 0",
    )
    rivals: RivalsSettings = Field(default_factory=RivalsSettings, description="a table")
    bridges: DevnetBridgeSettings = Field(
        default_factory=DevnetBridgeSettings, description="a table"
    )

    @model_validator(mode="before")
    @classmethod
    def _merge_chain_defaults(cls, data: Any) -> Any:
        """A chain's partial table keeps that chain's defaults; absent chains get all of them."""
        if not isinstance(data, Mapping) or not isinstance(data.get("chains"), Mapping):
            return data
        given: Mapping[str, Any] = data["chains"]
        merged: dict[str, Any] = {}
        for name in _CHAIN_NAMES:
            defaults = {
                "enabled": True,
                "block_time_s": DEFAULT_DEVNET_BLOCK_TIME_S[name],
                "relay": name in DEFAULT_DEVNET_RELAYS,
            }
            table = given.get(name, {})
            merged[name] = {**defaults, **table} if isinstance(table, Mapping) else table
        merged.update({name: table for name, table in given.items() if name not in merged})
        return {**data, "chains": merged}

    @field_validator("host")
    @classmethod
    def _check_host(cls, host: str) -> str:
        if not host or any(c.isspace() for c in host):
            raise ValueError("not a host")
        return host

    def anvil_binary(self) -> Path:
        """The anvil executable: `anvil_path` when set, else the one `make setup` installed."""
        if self.anvil_path:
            return Path(self.anvil_path).expanduser()
        return node_modules() / ".bin" / "anvil"

    def enabled_chains(self) -> tuple[ChainSpec, ...]:
        """The chains to start, in `CHAINS` order."""
        return tuple(c for c in CHAINS if c.name in self.chains and self.chains[c.name].enabled)


class MarketSettings(BaseModel):
    """The devnet's simulated market; the same seed gives the same trades."""

    model_config = _MODEL

    seed: int = Field(default=7, ge=0, description="an integer >= 0")
    swaps_per_block: int = Field(
        default=3, ge=0, description="an integer >= 0 (swaps per chain per block)"
    )
    whale_probability: float = Field(
        default=0.04, ge=0, le=1, description="a probability, a number from 0 to 1"
    )
    volatility_bps: float = Field(default=15.0, ge=0, description="basis points, a number >= 0")
    traders: int = Field(
        default=6, ge=1, le=8, description="an integer from 1 to 8 (accounts per chain)"
    )

"""Settings: one TOML file validated by pydantic; secrets come from the environment only.

Usage::

    settings = load_settings(Path("omniarb.toml"))  # or None: the built-in defaults
    secrets = load_secrets(os.environ)

Every model is frozen and rejects unknown keys. Any problem raises `ConfigError` with one line per
problem naming the file, the dotted key path, the bad value and what was expected. Partial tables
merge with the defaults: `[devnet.chains.polygon] block_time_s = 2` keeps every other default.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, Self, get_args
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from omniarb._config_allocate import AllocateSettings, inventory_caps
from omniarb._config_cluster import ClusterSettings
from omniarb._config_cross_chain import CrossChainSettings
from omniarb._config_devnet import (
    DEFAULT_CANONICAL_DELAY_S,
    DEFAULT_DEVNET_BLOCK_TIME_S,
    DevnetBridgeSettings,
    DevnetChainSettings,
    DevnetScale,
    DevnetSettings,
    MarketSettings,
)
from omniarb._config_errors import (
    DOMAIN_ERROR,
    Problem,
    config_error,
    format_path,
    problems_from_validation_error,
    read_toml,
    strip_secret_keys,
)
from omniarb._config_execute import ExecuteSettings, RemotePrecheckMode
from omniarb._config_fees import ChainFeeSettings, refuse_global_tip, tip_problems
from omniarb._config_key_pool import KeyPoolSettings
from omniarb._config_keys import KeyBackendName, KeysSettings
from omniarb._config_networks import NetworkSettings, network_problems
from omniarb._config_optimize import OptimizeSettings, ParamBounds
from omniarb._config_rebalance import BandSettings, RebalanceSettings
from omniarb._config_risk import RiskSettings, risk_limits
from omniarb._config_rpc import RpcSettings
from omniarb._config_score import ScoreSettings
from omniarb._config_services import (
    MODEL,
    AlertSettings,
    ApiSettings,
    BreakerSettings,
    InfluxSettings,
    MonitorSettings,
    RedisSettings,
)
from omniarb._config_submission import (
    ChainSubmissionSettings,
    Submission,
    relay_reputation_key,
    submission_for,
    submission_problems,
)
from omniarb._config_tokens import TokenRiskSettings
from omniarb._config_treasury import TreasurySettings
from omniarb._secrets import SECRET_ENV_VARS, Secrets, load_secrets
from omniarb.chains.fee_models import TipPolicy
from omniarb.chains.spec import CHAINS, ChainSpec
from omniarb.errors import endpoint_label

__all__ = [
    "DEFAULT_CANONICAL_DELAY_S",
    "DEFAULT_DEVNET_BLOCK_TIME_S",
    "SECRET_ENV_VARS",
    "AlertSettings",
    "AllocateSettings",
    "ApiSettings",
    "BandSettings",
    "BotSettings",
    "BreakerSettings",
    "ChainSubmissionSettings",
    "ClusterSettings",
    "CrossChainSettings",
    "DevnetBridgeSettings",
    "DevnetChainSettings",
    "DevnetScale",
    "DevnetSettings",
    "ExecuteSettings",
    "InfluxSettings",
    "KeyBackendName",
    "KeysSettings",
    "LogLevel",
    "LogSettings",
    "MarketSettings",
    "MonitorSettings",
    "NetworkSettings",
    "OptimizeSettings",
    "ParamBounds",
    "RebalanceSettings",
    "RedisSettings",
    "RemotePrecheckMode",
    "RiskSettings",
    "RpcSettings",
    "ScoreSettings",
    "Secrets",
    "Settings",
    "Submission",
    "TokenRiskSettings",
    "TreasurySettings",
    "inventory_caps",
    "load_secrets",
    "load_settings",
    "relay_reputation_key",
    "risk_limits",
    "submission_for",
]

# Strict: TOML already has types, so "7" must not silently become 7.
_MODEL = MODEL

_CHAIN_NAMES = tuple(chain.name for chain in CHAINS)
_SPECS = {chain.name: chain for chain in CHAINS}


class BotSettings(BaseModel):
    """The arbitrage bot: what it will not trade below. What it bids is per chain (`fees`)."""

    model_config = _MODEL

    min_net_profit_usd: float = Field(
        default=0.01, ge=0, description="USD, a number >= 0 (after gas and the L1 fee)"
    )
    replace_after_blocks: int | None = Field(
        default=None,
        ge=1,
        le=10_000,
        description=(
            "blocks, an integer >= 1: a trade not mined after so many blocks is replaced "
            "(unset: about 36 s of the chain's block time, at least 2 blocks)"
        ),
    )
    max_replacements: int = Field(
        default=3, ge=0, le=100, description="an integer from 0 to 100 per stuck transaction"
    )
    replacement_fee_bump_percent: int = Field(
        default=10,
        ge=10,
        le=1_000,
        description="percent, an integer from 10 (geth's replacement minimum) to 1000",
    )
    max_fee_per_gas_gwei: float = Field(
        default=500.0,
        gt=0,
        le=1_000_000,
        description="gwei, a number > 0: no replacement bids more per gas",
    )

    @model_validator(mode="before")
    @classmethod
    def _no_global_tip(cls, data: Any) -> Any:
        return refuse_global_tip(data)

    @property
    def max_fee_per_gas_wei(self) -> int:
        return round(self.max_fee_per_gas_gwei * 10**9)


LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]


class LogSettings(BaseModel):
    """Logging; `--log-level` on the command line overrides `level`."""

    model_config = _MODEL

    level: LogLevel = Field(
        default="INFO", description='one of "DEBUG", "INFO", "WARNING", "ERROR"'
    )

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, level: Any) -> Any:
        # Only a known name is upper-cased, so an error shows the value as the user wrote it.
        known = isinstance(level, str) and level.upper() in get_args(LogLevel)
        return level.upper() if known else level


class Settings(BaseModel):
    """The whole configuration; `Settings()` is the built-in default."""

    model_config = _MODEL

    devnet: DevnetSettings = Field(default_factory=DevnetSettings, description="a table")
    market: MarketSettings = Field(default_factory=MarketSettings, description="a table")
    bot: BotSettings = Field(default_factory=BotSettings, description="a table")
    execute: ExecuteSettings = Field(default_factory=ExecuteSettings, description="a table")
    key_pool: KeyPoolSettings = Field(default_factory=KeyPoolSettings, description="a table")
    chains: dict[str, NetworkSettings] = Field(
        default_factory=dict, description="one table per real network, keyed by chain name"
    )
    fees: dict[str, ChainFeeSettings] = Field(
        default_factory=dict, description="one table per chain name (tip bounds, tip choice)"
    )
    submission: dict[str, ChainSubmissionSettings] = Field(
        default_factory=dict,
        description="one table per chain name (relay, bribe share, bundle blocks, mempool)",
    )
    risk: RiskSettings = Field(default_factory=RiskSettings, description="a table")
    allocate: AllocateSettings = Field(default_factory=AllocateSettings, description="a table")
    log: LogSettings = Field(default_factory=LogSettings, description="a table")
    rpc: RpcSettings = Field(default_factory=RpcSettings, description="a table")
    monitor: MonitorSettings = Field(default_factory=MonitorSettings, description="a table")
    api: ApiSettings = Field(default_factory=ApiSettings, description="a table")
    redis: RedisSettings = Field(default_factory=RedisSettings, description="a table")
    score: ScoreSettings = Field(default_factory=ScoreSettings, description="a table")
    optimize: OptimizeSettings = Field(default_factory=OptimizeSettings, description="a table")
    keys: KeysSettings = Field(default_factory=KeysSettings, description="a table")
    treasury: TreasurySettings = Field(default_factory=TreasurySettings, description="a table")
    cross_chain: CrossChainSettings = Field(
        default_factory=CrossChainSettings, description="a table"
    )
    rebalance: RebalanceSettings = Field(default_factory=RebalanceSettings, description="a table")
    cluster: ClusterSettings = Field(default_factory=ClusterSettings, description="a table")

    @model_validator(mode="before")
    @classmethod
    def _fill_network_defaults(cls, data: Any) -> Any:
        """A known chain's table gets its chain id and all its DEXes unless given."""
        if not isinstance(data, Mapping) or not isinstance(data.get("chains"), Mapping):
            return data
        filled: dict[str, Any] = {}
        for name, table in data["chains"].items():
            spec = _SPECS.get(name)
            if spec is not None and isinstance(table, Mapping):
                dexes = [dex.name for dex in spec.dexes]
                table = {"chain_id": spec.chain_id, "dexes": dexes, **table}
            filled[name] = table
        return {**data, "chains": filled}

    @model_validator(mode="after")
    def _check_against_chain_specs(self) -> Self:
        problems = _unknown_chains(("devnet", "chains"), self.devnet.chains)
        problems += _unknown_chains(("chains",), self.chains)
        problems += _unknown_chains(("fees",), self.fees)
        problems += _unknown_chains(("submission",), self.submission)
        problems += _unknown_chains(("risk", "chains"), self.risk.chains)
        problems += _unknown_chains(("allocate", "chains"), self.allocate.chains)
        problems += [
            Problem(
                path=format_path(("rebalance", "bands", index, "chain")),
                message="unknown chain; allowed: " + ", ".join(_CHAIN_NAMES),
            )
            for index, band in enumerate(self.rebalance.bands)
            if band.chain not in _SPECS
        ]
        for name, table in self.submission.items():
            if name in _SPECS:
                problems += submission_problems(_SPECS[name], table)
        for name, fees in self.fees.items():
            if name in _SPECS:
                problems += tip_problems(_SPECS[name], fees)
        for name, network in self.chains.items():
            spec = _SPECS.get(name)
            if spec is not None:
                problems += network_problems(spec, network)
        if problems:
            summary = "; ".join(f"{p.path}: {p.message}" for p in problems)
            raise PydanticCustomError(
                DOMAIN_ERROR, "{summary}", {"summary": summary, "problems": problems}
            )
        return self

    def tip_policy(self, spec: ChainSpec) -> TipPolicy:
        """How `spec`'s tip is chosen: its `[fees.<chain>]` table over the chain's defaults."""
        return self.fees.get(spec.name, ChainFeeSettings()).policy(spec)

    def to_public_dict(self, *, mask_urls: bool = False) -> dict[str, Any]:
        """The settings as JSON-able data (no secrets live here), for `omniarb show-config`.

        `mask_urls` (the API's `/config`) cuts every URL down to its scheme, host and port:
        a provider's RPC URL carries its API key in the path, a webhook its token, and a
        reader of the API need not have them (the operator reading the file does)."""
        data = self.model_dump(mode="json")
        return _masked_urls(data) if mask_urls else data


_URL_SCHEMES = ("http://", "https://", "ws://", "wss://", "redis://", "rediss://")


def _masked_urls(value: Any) -> Any:
    """`value` with each URL that has more than an endpoint (credentials, a path, a query;
    a Redis database number is kept) as `scheme://host:port/***`."""
    if isinstance(value, dict):
        return {key: _masked_urls(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked_urls(item) for item in value]
    if isinstance(value, str) and value.lower().startswith(_URL_SCHEMES):
        parts = urlsplit(value)
        # A bare endpoint, or Redis's database number, is nothing to hide.
        plain = re.fullmatch(r"/?\d*", parts.path) and not (parts.query or parts.fragment)
        return value if plain and "@" not in parts.netloc else f"{endpoint_label(value)}/***"
    return value


def _unknown_chains(prefix: tuple[str, ...], tables: Mapping[str, Any]) -> list[Problem]:
    return [
        Problem(
            path=format_path((*prefix, name)),
            message=f"unknown chain; allowed keys in [{format_path(prefix)}]: "
            + ", ".join(_CHAIN_NAMES),
        )
        for name in tables
        if name not in _SPECS
    ]


def _drop_unknown_chains(data: dict[str, Any]) -> list[Problem]:
    """Remove tables of unknown chains, reporting each once (not as missing keys of its table)."""
    problems: list[Problem] = []
    holders: tuple[tuple[tuple[str, ...], Any], ...] = (
        (("devnet", "chains"), data.get("devnet")),
        (("chains",), data),
    )
    for prefix, holder in holders:
        tables = holder.get("chains") if isinstance(holder, dict) else None
        if isinstance(tables, dict):
            problems += _unknown_chains(prefix, tables)
            holder["chains"] = {name: t for name, t in tables.items() if name in _SPECS}
    return problems


def load_settings(path: Path | None = None) -> Settings:
    """The settings from the TOML file at `path`, or the built-in defaults when `path` is None."""
    if path is None:
        return Settings()
    data, problems = strip_secret_keys(read_toml(path))
    problems += _drop_unknown_chains(data)
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        problems += problems_from_validation_error(exc, Settings)
        raise config_error(str(path), problems) from exc
    if problems:
        raise config_error(str(path), problems)
    return settings

"""The configuration `omniarb cluster up` writes for its processes: what the user configured,
plus the cluster's Redis prefix, chains and the demo's trading defaults, read back unchanged."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from omniarb.cli._cluster_config import cluster_settings, to_toml, write_cluster_config
from omniarb.config import load_settings
from omniarb.errors import ConfigError


def test_toml_round_trip_of_nested_values() -> None:
    data = {
        "top": 3,
        "table": {
            "name": 'quote " and \\ back',
            "flag": False,
            "ratio": 0.25,
            "list": [1, 2],
            "inline": {"USDC@binance-peg": "USDC", "deep": {"x": 1.5}},
            "tables": [{"a": "1"}, {"a": "2"}],
            "gone": None,
        },
    }
    parsed = tomllib.loads(to_toml(data))
    table = dict(data["table"])  # type: ignore[call-overload]
    del table["gone"]
    assert parsed == {"top": 3, "table": table}


def test_cluster_settings_written_and_read_back(tmp_path: Path) -> None:
    user = tmp_path / "user.toml"
    user.write_text("[market]\nseed = 42\n[cluster]\nlease_ttl_s = 1.5\n")
    settings = cluster_settings(
        load_settings(user), chains=["polygon", "arbitrum"], key_prefix="cluster-t1:"
    )
    path = write_cluster_config(settings, tmp_path / "cluster" / "cluster.toml")
    again = load_settings(path)
    assert again == settings
    assert again.redis.enabled
    assert again.redis.key_prefix == "cluster-t1:"
    assert [c.name for c in again.devnet.enabled_chains()] == ["polygon", "arbitrum"]
    # The user's own settings survive; the demo's trading is on across the two chains.
    assert again.market.seed == 42
    assert again.cluster.lease_ttl_s == 1.5
    assert again.cross_chain.enabled


def test_unknown_chain_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="'mars'"):
        cluster_settings(load_settings(None), chains=["mars"], key_prefix="cluster-t2:")

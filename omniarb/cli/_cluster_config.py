"""The configuration file every process of a cluster reads: the user's settings with the
cluster's own (Redis on, a key prefix per cluster, the chains chosen, the demo's trading
defaults), written once by `omniarb cluster up` so that each child sees the same settings.

Settings come from a TOML file only (no environment overrides), so the cluster writes one; the
writer below covers what a settings dump holds (tables, arrays, strings, numbers, booleans).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from omniarb.cli.demo_cmd import demo_settings
from omniarb.config import Settings
from omniarb.errors import ConfigError

__all__ = ["cluster_settings", "to_toml", "write_cluster_config"]

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def cluster_settings(settings: Settings, *, chains: Sequence[str], key_prefix: str) -> Settings:
    """`settings` for a cluster of `chains` (the others' devnet chains off) under `key_prefix`,
    with the demo's trading defaults where the user set none (`demo_cmd.demo_settings`)."""
    known = settings.devnet.chains
    unknown = [name for name in chains if name not in known]
    if unknown:
        raise ConfigError(
            f"--chains: no devnet chain {unknown[0]!r} (the chains are {', '.join(known)})"
        )
    devnet = settings.devnet.model_copy(
        update={
            "chains": {
                name: chain.model_copy(update={"enabled": name in chains})
                for name, chain in known.items()
            }
        }
    )
    redis = settings.redis.model_copy(update={"enabled": True, "key_prefix": key_prefix})
    return demo_settings(settings.model_copy(update={"devnet": devnet, "redis": redis}))


def write_cluster_config(settings: Settings, path: Path) -> Path:
    """Write `settings` (what differs from the defaults) as TOML at `path`; checked by reading
    it back."""
    data = settings.model_dump(mode="json", exclude_defaults=True)
    # Always written: the chains and Redis are what the cluster's processes must agree on.
    data["devnet"] = settings.devnet.model_dump(mode="json", exclude_defaults=False)
    data["redis"] = settings.redis.model_dump(mode="json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_toml(data))
    return path


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a TOML basic string: JSON's escapes are TOML's
    if isinstance(value, Mapping):
        inner = ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items() if v is not None)
        return "{" + inner + "}"
    if isinstance(value, Sequence):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"no TOML for {type(value).__name__}")


def to_toml(data: Mapping[str, Any]) -> str:
    """`data` as TOML: its tables as `[name]` sections, deeper ones inline; None left out."""
    lines = [
        f"{_key(k)} = {_value(v)}"
        for k, v in data.items()
        if not isinstance(v, Mapping) and v is not None
    ]
    for name, table in data.items():
        if isinstance(table, Mapping):
            lines.append(f"\n[{_key(name)}]")
            lines += [f"{_key(k)} = {_value(v)}" for k, v in table.items() if v is not None]
    return "\n".join(lines) + "\n"

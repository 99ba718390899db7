"""Fuzzing the config loader: whatever the file holds, `load_settings` gives `Settings` or a
`ConfigError` naming the file, never another exception (a traceback instead of exit code 4).

Three kinds of file: random text and bytes (mostly invalid TOML or UTF-8), TOML documents built
from the real key tree of `Settings` with values of every type at every key (the validators
see wrong types, huge numbers, NaN, empty and odd strings), and those documents with a random
TOML line appended (dates, inline tables, arrays of tables)."""

from __future__ import annotations

import math
import tempfile
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from _fuzz_budget import FUZZ
from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import BaseModel

from omniarb.chains.spec import CHAINS
from omniarb.cli._output import to_toml
from omniarb.config import Settings, load_settings
from omniarb.errors import ConfigError

_NAMES = [chain.name for chain in CHAINS] + ["nowhere", ""]

_SCALARS = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.sampled_from([0, 1, -1, 2**63 - 1, 10**18]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=24),
    st.sampled_from(
        ["", " ", "0x", "http://", "https://x", "redis://:pw@h/0", "ws://[::1", "1e400", "inf"]
    ),
)
_VALUES = st.one_of(
    _SCALARS,
    st.lists(_SCALARS, max_size=3),
    st.dictionaries(st.text(max_size=8), _SCALARS, max_size=2),
)


def _unwrap(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _value_for(annotation: Any) -> st.SearchStrategy[Any]:
    """A value for a key of `annotation`: of the right shape most of the time, anything else
    some of the time."""
    annotation = _unwrap(annotation)
    if _is_model(annotation):
        return st.one_of(_table(annotation), _VALUES)
    if get_origin(annotation) in (dict, Mapping):
        inner = _unwrap(get_args(annotation)[1])
        values = _table(inner) if _is_model(inner) else _VALUES
        return st.one_of(
            st.dictionaries(st.sampled_from(_NAMES) | st.text(max_size=6), values, max_size=3),
            _VALUES,
        )
    return _VALUES


def _table(model: type[BaseModel]) -> st.SearchStrategy[dict[str, Any]]:
    """Tables of `model`: any of its keys with values from `_value_for`, sometimes an unknown
    key too."""
    optional = {name: _value_for(field.annotation) for name, field in model.model_fields.items()}
    return st.fixed_dictionaries({}, optional=optional).flatmap(
        lambda table: st.dictionaries(st.text(max_size=10), _SCALARS, max_size=1).map(
            lambda extra: {**extra, **table}
        )
    )


_EXTRA_LINES = st.sampled_from(
    [
        "when = 1979-05-27T07:32:00Z",
        "[market]\nseed = 1979-05-27",
        "[[chains]]\nname = 'x'",
        "[api]\nport = { a = 1 }",
        "[devnet.chains.polygon]\nblock_time_s = nan",
        "[bot]\nmin_net_profit_usd = -inf",
        "[rpc]\n'' = 1",
    ]
)


def _load(text: bytes) -> None:
    """Load `text` as a config file: Settings or a ConfigError naming the file."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.toml"
        path.write_bytes(text)
        try:
            settings: Settings | ConfigError = load_settings(path)
        except ConfigError as exc:
            settings = exc
        assert isinstance(settings, Settings) or str(path) in str(settings)


def _toml(document: Mapping[str, Any]) -> str:
    # `to_toml` writes a float as its repr: TOML spells infinity and NaN without the Python name.
    def fix(value: Any) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            return str(value)
        if isinstance(value, Mapping):
            return {k: fix(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fix(v) for v in value]
        return value

    return to_toml(fix(document))


@FUZZ
@given(st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)))
@example(b"\xff\xfe[market]")
@example(b"[market\n")
def test_random_bytes_give_settings_or_a_config_error(text: bytes) -> None:
    _load(text)


@FUZZ
@given(_table(Settings))
@example({"devnet": {"chains": {"polygon": {"block_time_s": 1e308}}}})
@example({"chains": {"polygon": "x"}})
@example({"api": {"port": 2**63 - 1}})
def test_documents_of_the_settings_keys_give_settings_or_a_config_error(
    document: dict[str, Any],
) -> None:
    _load(_toml(document).encode())


@FUZZ
@given(_table(Settings), _EXTRA_LINES)
def test_documents_with_odd_toml_give_settings_or_a_config_error(
    document: dict[str, Any], extra: str
) -> None:
    _load((_toml(document) + "\n" + extra + "\n").encode())

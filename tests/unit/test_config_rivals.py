"""`[devnet.rivals]`: how many rival searchers, of which presets, from which seed — and clear
errors naming the key when a value is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from omniarb._config_rivals import RIVAL_PRESETS
from omniarb.cli.devnet_cmd import rivals_params
from omniarb.config import load_settings
from omniarb.devnet.rivals import PRESETS, RivalsParams
from omniarb.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "omniarb.toml"
    path.write_text(text)
    return path


def test_the_table_becomes_the_rivals_params(tmp_path: Path) -> None:
    text = '[devnet.rivals]\ncount = 5\nseed = 42\npresets = ["slow", "relay"]\n'
    params = rivals_params(load_settings(write(tmp_path, text)))
    assert params == RivalsParams(seed=42, count=5, presets=("slow", "relay"))
    assert [p.name for p in params.resolved()] == [
        "slow-0",
        "relay-1",
        "slow-2",
        "relay-3",
        "slow-4",
    ]


def test_the_demo_has_a_modest_set_of_rivals_by_default() -> None:
    params = rivals_params(load_settings(None))
    assert params == RivalsParams(seed=11, count=3, presets=("fast-greedy", "slow", "relay"))


def test_the_config_knows_every_preset_of_the_devnet() -> None:
    assert set(RIVAL_PRESETS) == set(PRESETS)


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ("count = 17", "devnet.rivals.count: expected an integer from 0 to 16 (rivals), got 17"),
        ("count = -1", "devnet.rivals.count: expected an integer from 0 to 16"),
        ('count = "3"', "devnet.rivals.count"),
        ("seed = -2", "devnet.rivals.seed: expected an integer >= 0"),
        ('presets = ["lazy"]', 'devnet.rivals.presets[0]: expected a list of "fast-greedy"'),
        ("presets = []", "devnet.rivals.presets"),
        ("rivals = 3", "devnet.rivals.rivals"),
    ],
)
def test_bad_tables_are_refused_with_the_key(tmp_path: Path, table: str, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, f"[devnet.rivals]\n{table}\n"))
    assert says in str(caught.value)

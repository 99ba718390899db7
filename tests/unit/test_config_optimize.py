"""`[optimize]`: the online switch, the evidence per change, and bounds checked against each
parameter's domain, with the key in every error."""

from __future__ import annotations

from pathlib import Path

import pytest

from omniarb.config import load_settings
from omniarb.errors import ConfigError


def error_for(tmp_path: Path, text: str) -> str:
    path = tmp_path / "omniarb.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    return str(caught.value)


def test_the_default_is_offline_with_nothing_tuned() -> None:
    settings = load_settings(None)
    assert not settings.optimize.online
    assert settings.optimize.bounds == {}


def test_a_table_per_tuned_parameter(tmp_path: Path) -> None:
    path = tmp_path / "omniarb.toml"
    path.write_text(
        "[optimize]\nonline = true\nmin_samples = 5\n"
        "[optimize.bounds.bribe_share_bps]\nmin = 1000\nmax = 9000\nstep = 2000\n"
        "[optimize.bounds.max_hops]\nmin = 2\nmax = 3\nstep = 1\n"
    )
    optimize = load_settings(path).optimize
    assert optimize.online
    assert optimize.min_samples == 5
    assert optimize.arms("bribe_share_bps") == (1_000, 3_000, 5_000, 7_000, 9_000)
    assert optimize.arms("max_hops") == (2, 3)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[optimize]\nmin_samples = 0\n", "optimize.min_samples"),
        (
            "[optimize.bounds.bribe_share_bps]\nmin = 0\nmax = 12000\nstep = 1000\n",
            "optimize.bounds.bribe_share_bps: 0..12000 is outside bribe_share_bps's 0..10000",
        ),
        (
            "[optimize.bounds.max_hops]\nmin = 3\nmax = 2\nstep = 1\n",
            "optimize.bounds.max_hops: max 2 is below min 3",
        ),
        (
            "[optimize.bounds.tip_wei]\nmin = 0\nmax = 1e12\nstep = 1\n",
            "optimize.bounds.tip_wei: 1000000000001 arms, more than 64",
        ),
        (
            "[optimize.bounds.tip_wei]\nmin = 0.5\nmax = 2\nstep = 1\n",
            "optimize.bounds.tip_wei: tip_wei takes whole numbers",
        ),
        ("[optimize.bounds.gas]\nmin = 1\nmax = 2\nstep = 1\n", "optimize.bounds"),
        (
            "[optimize.bounds.max_hops]\nmin = 2\nmax = 3\nstep = 0\n",
            "optimize.bounds.max_hops.step",
        ),
    ],
)
def test_bad_values_are_refused_with_the_key(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in error_for(tmp_path, text)

"""`[devnet.bridges]`: the canonical bridge's delay reaches the devnet (its manifest announces
it, its messenger waits it) — and a bad value is refused naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from omniarb.cli.devnet_cmd import devnet_from_settings
from omniarb.config import DEFAULT_CANONICAL_DELAY_S, load_settings
from omniarb.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "omniarb.toml"
    path.write_text(text)
    return path


def test_the_delay_defaults_to_clearly_slower_than_a_relayer() -> None:
    settings = load_settings(None)
    assert settings.devnet.bridges.canonical_delay_s == DEFAULT_CANONICAL_DELAY_S == 20.0


def test_the_configured_delay_reaches_the_devnet(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, "[devnet.bridges]\ncanonical_delay_s = 4.5\n"))
    assert settings.devnet.bridges.canonical_delay_s == 4.5
    assert devnet_from_settings(settings)._canonical_delay_s == 4.5


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ("canonical_delay_s = -1", "devnet.bridges.canonical_delay_s: expected seconds"),
        ("canonical_delay_s = 7200", "devnet.bridges.canonical_delay_s: expected seconds"),
        ('canonical_delay_s = "20"', "devnet.bridges.canonical_delay_s"),
        ("delay = 3", "devnet.bridges.delay"),
    ],
)
def test_bad_values_are_refused_with_the_key(tmp_path: Path, table: str, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, f"[devnet.bridges]\n{table}\n"))
    assert says in str(caught.value)

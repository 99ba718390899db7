"""`[risk.token_safety]`: deny and allow lists of addresses, the verdicts' lifetime, the tax
bound."""

from __future__ import annotations

from pathlib import Path

import pytest

from omniarb.config import load_settings
from omniarb.errors import ConfigError

WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
HONEY = "0x5aFE000000000000000000000000000000001234"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "omniarb.toml"
    path.write_text(text)
    return path


def test_lists_are_read_lower_case_and_defaults_hold(tmp_path: Path) -> None:
    text = f'[risk.token_safety]\ndeny = ["{HONEY}"]\nallow = ["{WETH}"]\nverdict_ttl_s = 60\n'
    tokens = load_settings(write(tmp_path, text)).risk.token_safety
    assert tokens.deny == (HONEY.lower(),)
    assert tokens.allow == (WETH.lower(),)
    assert tokens.verdict_ttl_s == 60
    assert tokens.max_tax_bps == 0
    defaults = load_settings(None).risk.token_safety
    assert (defaults.deny, defaults.allow, defaults.verdict_ttl_s) == ((), (), 3600.0)


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ('deny = ["0x1234"]', "risk.token_safety.deny: expected a list of 0x-prefixed 20-byte"),
        (
            'allow = ["C02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"]',
            "risk.token_safety.allow: expected a list of 0x-prefixed",
        ),
        (f'allow = ["0x{"g" * 40}"]', "risk.token_safety.allow: expected a list of 0x-prefixed"),
        (f'deny = ["{WETH}"]\nallow = ["{WETH.lower()}"]', "in both deny and allow"),
        ("verdict_ttl_s = 0", "risk.token_safety.verdict_ttl_s"),
        ("max_tax_bps = 10001", "risk.token_safety.max_tax_bps"),
        ("denied = []", "risk.token_safety.denied"),
    ],
)
def test_bad_tables_are_refused_with_the_key(tmp_path: Path, table: str, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, f"[risk.token_safety]\n{table}\n"))
    assert says in str(caught.value)

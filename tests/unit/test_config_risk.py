"""`[risk]` and `risk_limits`: each chain's limits from the section, the chain's table and the
token tables, today's floor alone by default, and a clear error for each bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from omniarb.config import RiskSettings, Settings, load_settings, risk_limits
from omniarb.errors import ConfigError
from omniarb.network import TokenEntry
from omniarb.risk import ChainRiskLimits, TokenLimits

WETH = TokenEntry(symbol="WETH", address="0xAbC0", decimals=18, name="Wrapped Ether", asset="ETH")
USDC = TokenEntry(symbol="USDC", address="0xDeF1", decimals=6, name="USD Coin", asset="USD")


def settings_from(tmp_path: Path, text: str) -> Settings:
    path = tmp_path / "omniarb.toml"
    path.write_text(text)
    return load_settings(path)


def error_for(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        settings_from(tmp_path, text)
    return str(caught.value)


def test_without_a_risk_section_only_the_bots_usd_floor_is_set() -> None:
    got = risk_limits(RiskSettings(), "ethereum", (WETH, USDC), min_net_profit_usd=0.01)
    assert got == ChainRiskLimits(chain="ethereum", min_net_profit_usd=0.01)


def test_chain_tables_override_the_section_and_token_tables_override_both(tmp_path: Path) -> None:
    settings = settings_from(
        tmp_path,
        """
[bot]
min_net_profit_usd = 2.5

[risk]
min_net_profit_bps = 5
max_trade_usd = 250000
max_open_exposure_usd = 1000000
max_gas_price_gwei = 300
max_daily_loss_usd = 2000

[risk.tokens.WETH]
max_amount_in = 100
min_net_profit_bps = 3

[risk.tokens.DAI]
max_amount_in = 1

[risk.chains.ethereum]
min_net_profit_usd = 5
max_gas_price_gwei = 80.5

[risk.chains.ethereum.tokens.WETH]
max_amount_in = 1.1

[risk.chains.ethereum.tokens.USDC]
max_trade_usd = 400000
""",
    )
    ethereum = risk_limits(settings.risk, "ethereum", (WETH, USDC), min_net_profit_usd=2.5)
    assert ethereum == ChainRiskLimits(
        chain="ethereum",
        min_net_profit_usd=5.0,
        min_net_profit_bps=5.0,
        max_trade_usd=250_000.0,
        max_open_exposure_usd=1_000_000.0,
        max_gas_price_wei=80_500_000_000,
        max_daily_loss_usd=2000.0,
        tokens={
            # DAI is not a token of this chain: its table applies elsewhere.
            "0xdef1": TokenLimits(symbol="USDC", decimals=6, max_trade_usd=400_000.0),
            "0xabc0": TokenLimits(
                symbol="WETH", decimals=18, max_amount_in=11 * 10**17, min_net_profit_bps=3.0
            ),
        },
    )
    polygon = risk_limits(settings.risk, "polygon", (WETH,), min_net_profit_usd=2.5)
    assert polygon.min_net_profit_usd == 2.5
    assert polygon.max_gas_price_wei == 300 * 10**9
    assert polygon.tokens == {
        "0xabc0": TokenLimits(
            symbol="WETH", decimals=18, max_amount_in=100 * 10**18, min_net_profit_bps=3.0
        )
    }


def test_a_chains_token_table_for_a_token_it_lacks_is_refused(tmp_path: Path) -> None:
    settings = settings_from(tmp_path, "[risk.chains.polygon.tokens.WETH9]\nmax_amount_in = 1\n")
    with pytest.raises(ConfigError) as caught:
        risk_limits(settings.risk, "polygon", (WETH, USDC), min_net_profit_usd=0.01)
    assert str(caught.value) == (
        "risk.chains.polygon.tokens: WETH9 not a token of polygon; its tokens: USDC, WETH"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[risk.tokens.USDC]\nmax_amount_in = 0.0000001\n",
            "risk.tokens.USDC.max_amount_in: 1e-07 USDC is less than one base unit (10^-6 USDC)",
        ),
        (
            "[risk.chains.polygon]\nmax_gas_price_gwei = 1e-10\n",
            "risk.chains.polygon.max_gas_price_gwei: 1e-10 gwei is less than one base unit "
            "(10^-9 gwei)",
        ),
    ],
)
def test_a_cap_finer_than_one_base_unit_is_refused(
    tmp_path: Path, text: str, expected: str
) -> None:
    settings = settings_from(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        risk_limits(settings.risk, "polygon", (WETH, USDC), min_net_profit_usd=0.01)
    assert str(caught.value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[risk]\nmax_trade_usd = 0\n", "risk.max_trade_usd: expected USD, a number > 0, got 0"),
        (
            "[risk]\nmin_net_profit_bps = 10001\n",
            "risk.min_net_profit_bps: expected basis points, a number from 0 to 10000, got 10001",
        ),
        (
            "[risk.chains.ethereum]\nmax_gas_price_gwei = -1\n",
            "risk.chains.ethereum.max_gas_price_gwei: expected gwei, a number > 0, got -1",
        ),
        (
            "[risk.chains.solana]\nmax_trade_usd = 1\n",
            "risk.chains.solana: unknown chain; allowed keys in [risk.chains]: ethereum, bnb, "
            "polygon, arbitrum, optimism",
        ),
        (
            '[risk.chains.ethereum.tokens.WETH]\nmax_amount_in = "1"\n',
            "risk.chains.ethereum.tokens.WETH.max_amount_in: expected whole tokens, a number > 0, "
            'got "1"',
        ),
        (
            "[risk.tokens.WETH]\nmax_gas_price_gwei = 1\n",
            "risk.tokens.WETH.max_gas_price_gwei: unknown key",
        ),
        (
            "[risk]\nmin_net_profit_usd = 1\n",
            "risk.min_net_profit_usd: the USD floor of every chain is [bot] min_net_profit_usd; "
            "[risk.chains.<chain>] min_net_profit_usd overrides it for one chain",
        ),
    ],
)
def test_bad_values_are_refused_with_the_key_and_the_expectation(
    tmp_path: Path, text: str, expected: str
) -> None:
    assert expected in error_for(tmp_path, text)

"""The demo runs with the optimizer online unless `[optimize]` says otherwise."""

from __future__ import annotations

from pathlib import Path

from omniarb.cli.demo_cmd import DEMO_OPTIMIZE, demo_settings
from omniarb.config import load_settings
from omniarb.optimize import Params
from omniarb.optimize.setup import chain_optimizer


def test_the_demo_turns_the_optimizer_on_around_the_defaults() -> None:
    settings = demo_settings(load_settings(None))
    assert settings.optimize == DEMO_OPTIMIZE
    assert settings.optimize.online
    # The defaults lie within the demo's bounds: every chain's optimizer starts.
    start = Params(bribe_share_bps=5_000, min_net_profit_usd=settings.bot.min_net_profit_usd)
    ethereum = chain_optimizer("ethereum", start, settings.optimize, bundles=True)
    assert ethereum.tuner is not None
    assert set(ethereum.tuner.board.arms) == {"bribe_share_bps", "min_net_profit_usd"}


def test_a_configured_optimizer_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "omniarb.toml"
    path.write_text("[optimize]\nonline = false\n")
    assert not demo_settings(load_settings(path)).optimize.online

"""The demo's SoftHSM2 token: made once with random PINs kept beside it (mode 0600), then
reused; its `repr` leaves the PIN out."""

from __future__ import annotations

import shutil
import stat
import subprocess
from pathlib import Path

from omniarb.keys.softhsm import SOFTHSM_CONF_ENV, dev_softhsm_token


def _token_labels(conf_path: Path) -> str:
    util = shutil.which("softhsm2-util")
    assert util is not None
    done = subprocess.run(
        [util, "--show-slots"],
        env={SOFTHSM_CONF_ENV: str(conf_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return done.stdout


def test_the_dev_token_is_made_once_and_reused(tmp_path: Path) -> None:
    directory = tmp_path / "softhsm"
    first = dev_softhsm_token(directory, label="omniarb-demo")
    assert "omniarb-demo" in _token_labels(first.token.conf_path)
    pins = directory / "pins.json"
    assert stat.S_IMODE(pins.stat().st_mode) == 0o600
    assert first.pin not in repr(first)

    again = dev_softhsm_token(directory, label="omniarb-demo")
    assert again == first
    # Reused, not initialized a second time: still one initialized token.
    assert _token_labels(again.token.conf_path).count("omniarb-demo") == 1

"""A SoftHSM2 token per test process: the real PKCS#11 module, a fresh token directory.

SoftHSM2 reads `SOFTHSM2_CONF` once, when the module is first initialized in a process, so the
token is made once per process (each xdist worker has its own directory under its own
`tmp_path_factory`) and the variable stays set for the rest of the session.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from omniarb.keys.softhsm import SOFTHSM_CONF_ENV, SoftHsmToken, init_softhsm_token

__all__ = ["TestToken", "softhsm_token"]


@dataclass(frozen=True, slots=True, kw_only=True)
class TestToken:
    """The session's token and its user PIN (a random one: nothing may depend on its value)."""

    __test__ = False  # a value, not a test class

    token: SoftHsmToken
    pin: str


@pytest.fixture(scope="session")
def softhsm_token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestToken]:
    """An initialized token labelled `omniarb-test`, with `SOFTHSM2_CONF` pointing at it."""
    pin = secrets.token_hex(8)
    token = init_softhsm_token(
        tmp_path_factory.mktemp("softhsm"),
        label="omniarb-test",
        pin=pin,
        so_pin=secrets.token_hex(8),
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(os.environ, SOFTHSM_CONF_ENV, str(token.conf_path))
        yield TestToken(token=token, pin=pin)

"""A SoftHSM2 token in a directory of ours: what the tests and `omniarb demo --signer pkcs11` use
in place of a hardware HSM (same PKCS#11 interface, keys kept in files under `directory`).

    token = init_softhsm_token(home / "softhsm", label="omniarb", pin=pin, so_pin=so_pin)
    os.environ.update(token.environ())  # before the first Pkcs11Backend in this process
    backend = Pkcs11Backend(token.module_path, token.label, pin)

SoftHSM2 reads `SOFTHSM2_CONF` when the module is initialized (the first `Pkcs11Backend` of the
process), so the variable must be set before that, and one process sees one token directory.
The PINs reach `softhsm2-util` on its command line: fine for a development token, not for a real
one (initialize those with the HSM vendor's tools).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from omniarb.errors import ConfigError

__all__ = [
    "SOFTHSM_CONF_ENV",
    "DevToken",
    "SoftHsmToken",
    "dev_softhsm_token",
    "find_softhsm_module",
    "init_softhsm_token",
]

SOFTHSM_CONF_ENV = "SOFTHSM2_CONF"
# Where distributions install the module: Debian/Ubuntu, multiarch Debian, Fedora/RHEL, Homebrew
# on Apple silicon and Intel, and a source build's default prefix.
_MODULE_CANDIDATES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib64/pkcs11/libsofthsm2.so",
    "/usr/lib/pkcs11/libsofthsm2.so",
    "/opt/homebrew/lib/softhsm/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
)
_INIT_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True, kw_only=True)
class SoftHsmToken:
    """An initialized token: the module to load, its label and the configuration to point at."""

    module_path: str
    label: str
    conf_path: Path

    def environ(self) -> dict[str, str]:
        """The variables the SoftHSM2 module needs to find this token."""
        return {SOFTHSM_CONF_ENV: str(self.conf_path)}


def find_softhsm_module(candidates: tuple[str, ...] = _MODULE_CANDIDATES) -> str:
    """The path of `libsofthsm2.so`, or a `ConfigError` naming the package to install."""
    for candidate in candidates:
        if Path(candidate).is_file():
            return candidate
    raise ConfigError(
        "no SoftHSM2 module (libsofthsm2.so) found; install the softhsm2 package "
        f"(looked in {', '.join(candidates)})"
    )


def init_softhsm_token(directory: Path, *, label: str, pin: str, so_pin: str) -> SoftHsmToken:
    """A fresh token labelled `label` in `directory` (created; its configuration file is
    `directory/softhsm2.conf`, its token files under `directory/tokens`)."""
    util = shutil.which("softhsm2-util")
    if util is None:
        raise ConfigError("softhsm2-util is not on PATH; install the softhsm2 package")
    module_path = find_softhsm_module()
    tokens = directory / "tokens"
    tokens.mkdir(parents=True, exist_ok=True)
    conf_path = directory / "softhsm2.conf"
    conf_path.write_text(
        f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    argv = [util, "--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", so_pin]
    done = subprocess.run(
        argv,
        env={SOFTHSM_CONF_ENV: str(conf_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=_INIT_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0:
        # Its output names the slot and the error; the PINs are only in argv, not echoed.
        raise ConfigError(f"softhsm2-util could not initialize the token: {done.stderr.strip()}")
    return SoftHsmToken(module_path=module_path, label=label, conf_path=conf_path)


@dataclass(frozen=True, slots=True, kw_only=True)
class DevToken:
    """A development token and its user PIN (`repr` leaves the PIN out)."""

    token: SoftHsmToken
    pin: str

    def __repr__(self) -> str:
        return f"DevToken(token={self.token!r})"


def dev_softhsm_token(directory: Path, *, label: str) -> DevToken:
    """The demo's token in `directory` (e.g. `$OMNIARB_HOME/softhsm`): initialized with random
    PINs on first use, reused afterwards.

    The PINs are kept in `directory/pins.json` (mode 0600) so the next demo run can log in: a
    development token's convenience, never a real token's (its PIN comes from
    `OMNIARB_PKCS11_PIN`). Neither PIN is logged or returned in an error.
    """
    pins_path = directory / "pins.json"
    conf_path = directory / "softhsm2.conf"
    if pins_path.is_file() and conf_path.is_file():
        try:
            pin = json.loads(pins_path.read_text())["user_pin"]
        except (ValueError, KeyError, TypeError):
            raise ConfigError(
                f"{pins_path} is unreadable; delete {directory} to start over"
            ) from None
        token = SoftHsmToken(module_path=find_softhsm_module(), label=label, conf_path=conf_path)
        return DevToken(token=token, pin=str(pin))
    pin, so_pin = secrets.token_hex(16), secrets.token_hex(16)
    token = init_softhsm_token(directory, label=label, pin=pin, so_pin=so_pin)
    # Written after the token exists: a failed initialization leaves no PINs to reuse.
    descriptor = os.open(pins_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as pins:
        json.dump({"user_pin": pin, "so_pin": so_pin}, pins)
    return DevToken(token=token, pin=pin)

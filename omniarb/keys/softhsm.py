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

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from omniarb.errors import ConfigError

__all__ = ["SOFTHSM_CONF_ENV", "SoftHsmToken", "find_softhsm_module", "init_softhsm_token"]

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

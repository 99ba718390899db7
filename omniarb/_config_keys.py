"""`[keys]`: where the bot's signing key lives.

    [keys]
    backend = "env"                 # "keystore" | "pkcs11"
    address = "0x..."               # which key of the backend signs (unset: its only live key)
    keystore_dir = "~/.omniarb/keys"  # unset: $OMNIARB_HOME/keys
    scrypt_n = 262144               # scrypt cost of new keystore files (geth's standard)
    allow_env_on_mainnet = false    # the env key on a chain that is not the devnet's
    pkcs11_module = "/usr/lib/softhsm/libsofthsm2.so"
    pkcs11_token = "omniarb"

`env` is `OMNIARB_PRIVATE_KEY`, a key in plain text in the process environment: fine for the
devnet, refused on a real network unless `allow_env_on_mainnet` says it was meant. `keystore`
keeps Web3 Secret Storage (v3) files, unlocked with `OMNIARB_KEYSTORE_PASSPHRASE` or a prompt.
`pkcs11` signs inside a token (an HSM; SoftHSM2 for tests), its PIN from `OMNIARB_PKCS11_PIN`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from omniarb._config_services import MODEL
from omniarb.paths import omniarb_home

__all__ = ["KeyBackendName", "KeysSettings"]

KeyBackendName = Literal["env", "keystore", "pkcs11"]

_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
# geth's "light" and "standard" scrypt N bound what is sensible: below 2**12 a keystore file is
# cheap to brute-force, above 2**20 unlocking takes many seconds and a GiB of memory.
_SCRYPT_N_MIN = 2**12
_SCRYPT_N_MAX = 2**20


class KeysSettings(BaseModel):
    """Which key backend signs, and its options (see the module docstring)."""

    model_config = MODEL

    backend: KeyBackendName = Field(default="env", description='one of "env", "keystore", "pkcs11"')
    address: str | None = Field(
        default=None, description="a 0x-prefixed 20-byte hex address (unset: the only live key)"
    )
    keystore_dir: str | None = Field(
        default=None, description="a directory path (unset: $OMNIARB_HOME/keys)"
    )
    scrypt_n: int = Field(
        default=2**18,
        ge=_SCRYPT_N_MIN,
        le=_SCRYPT_N_MAX,
        description=f"a power of two from {_SCRYPT_N_MIN} to {_SCRYPT_N_MAX}",
    )
    allow_env_on_mainnet: bool = Field(
        default=False,
        description="true or false: allow OMNIARB_PRIVATE_KEY on chains that are not the devnet",
    )
    pkcs11_module: str | None = Field(
        default=None, description="the path of the PKCS#11 module (.so)"
    )
    pkcs11_token: str | None = Field(default=None, description="the token's label")

    @field_validator("address")
    @classmethod
    def _address(cls, address: str | None) -> str | None:
        if address is not None and not _ADDRESS.fullmatch(address):
            raise ValueError("expected a 0x-prefixed 20-byte hex address")
        return address

    @field_validator("scrypt_n")
    @classmethod
    def _power_of_two(cls, n: int) -> int:
        if n & (n - 1):
            raise ValueError(f"{n} is not a power of two")
        return n

    def keystore_path(self) -> Path:
        """The keystore directory: `keystore_dir`, else `$OMNIARB_HOME/keys`."""
        if self.keystore_dir is not None:
            return Path(self.keystore_dir).expanduser()
        return omniarb_home() / "keys"

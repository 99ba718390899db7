"""Open the configured key backend, and choose which of its keys signs.

backend = open_backend(settings, secrets)          # [keys] backend
signer = backend.digest_signer(signing_address(backend, settings.keys))
"""

from __future__ import annotations

from omniarb._config_keys import KeysSettings
from omniarb._secrets import Secrets
from omniarb.config import Settings
from omniarb.errors import ConfigError
from omniarb.keys.base import KeyBackend
from omniarb.keys.env import EnvBackend
from omniarb.keys.keystore import KeystoreBackend, passphrase_source

__all__ = ["PKCS11_PIN_ENV", "open_backend", "signing_address"]

PKCS11_PIN_ENV = "OMNIARB_PKCS11_PIN"


def open_backend(
    settings: Settings, secrets: Secrets, *, confirm_passphrase: bool = False
) -> KeyBackend:
    """The backend `[keys] backend` names. Nothing secret is read yet: a keystore asks for its
    passphrase when it first decrypts or writes (`confirm_passphrase`: ask twice at a prompt)."""
    keys = settings.keys
    if keys.backend == "env":
        return EnvBackend(secrets)
    if keys.backend == "keystore":
        return KeystoreBackend(
            keys.keystore_path(),
            passphrase_source(secrets, confirm=confirm_passphrase),
            scrypt_n=keys.scrypt_n,
        )
    return _pkcs11(keys)


def _pkcs11(keys: KeysSettings) -> KeyBackend:
    import os

    try:
        from omniarb.keys.pkcs11 import Pkcs11Backend  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        raise ConfigError(
            'keys.backend: "pkcs11" backend not available in this build (omniarb.keys.pkcs11)'
        ) from None
    if keys.pkcs11_module is None or keys.pkcs11_token is None:
        raise ConfigError(
            'keys.backend: "pkcs11" needs keys.pkcs11_module (the .so) and keys.pkcs11_token'
        )
    pin = os.environ.get(PKCS11_PIN_ENV, "").strip()
    if not pin:
        raise ConfigError(f'keys.backend: "pkcs11" needs the token PIN in {PKCS11_PIN_ENV}')
    backend: KeyBackend = Pkcs11Backend(keys.pkcs11_module, keys.pkcs11_token, pin)
    return backend


def signing_address(backend: KeyBackend, keys: KeysSettings) -> str:
    """The address that signs: `[keys] address`, else the backend's only live key."""
    live = [key for key in backend.list_keys() if not key.retired]
    if keys.address is not None:
        known = {key.address.lower(): key for key in backend.list_keys()}
        chosen = known.get(keys.address.lower())
        if chosen is None:
            raise ConfigError(f"keys.address: the {backend.name} backend has no key {keys.address}")
        if chosen.retired:
            raise ConfigError(f"keys.address: {chosen.address} is retired; choose a live key")
        return chosen.address
    if len(live) == 1:
        return live[0].address
    if not live:
        hint = (
            "set OMNIARB_PRIVATE_KEY"
            if backend.name == "env"
            else "create one with `omniarb keys new --label NAME` or `omniarb keys import`"
        )
        raise ConfigError(f"the {backend.name} backend holds no live key; {hint}")
    raise ConfigError(
        f"the {backend.name} backend holds {len(live)} live keys "
        f"({', '.join(k.address for k in live)}); choose one with keys.address"
    )

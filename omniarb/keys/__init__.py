"""Key management: where the bot's signing keys live (environment, encrypted keystore, PKCS#11
token), the pool of executor keys per chain, and their rotation.

A backend (`KeyBackend`) lists, creates, retires keys and hands out `DigestSigner`s; transaction
encoding sits on top (`omniarb.execute.signer.Signer.from_digest_signer`). `open_backend` opens
the one `[keys] backend` names and `signing_address` picks the key that signs.
"""

from omniarb.keys.base import BackendName, DigestSigner, KeyBackend, KeyInfo
from omniarb.keys.env import EnvBackend, require_env_allowed
from omniarb.keys.factory import PKCS11_PIN_ENV, open_backend, signing_address
from omniarb.keys.keystore import KeystoreBackend, passphrase_source
from omniarb.keys.local import LocalDigestSigner

__all__ = [
    "PKCS11_PIN_ENV",
    "BackendName",
    "DigestSigner",
    "EnvBackend",
    "KeyBackend",
    "KeyInfo",
    "KeystoreBackend",
    "LocalDigestSigner",
    "open_backend",
    "passphrase_source",
    "require_env_allowed",
    "signing_address",
]

"""The `pkcs11` key backend: secp256k1 keys generated inside a PKCS#11 token (an HSM, a cloud HSM's
PKCS#11 library, or SoftHSM2 for development and tests) that never leave it.

    backend = Pkcs11Backend("/usr/lib/softhsm/libsofthsm2.so", "omniarb")  # PIN from the env
    info = backend.create_key("executor-1")
    signer = backend.digest_signer(info.address)  # a DigestSigner; the token signs
    backend.close()

How a key is kept in the token (so other PKCS#11 tools see the same facts):
- a private key object (`CKA_SENSITIVE`, not `CKA_EXTRACTABLE`, `CKA_TOKEN`, only `CKA_SIGN`) and
  its public key object, both with `CKA_LABEL` = the label and `CKA_ID` = the 20-byte Ethereum
  address, so `pkcs11-tool --id <address>` finds the pair;
- a private data object (`CKA_APPLICATION` "omniarb", `CKA_LABEL` "omniarb-key:<address>") whose
  value is the creation time, UTC ISO 8601 (PKCS#11's own `CKA_START_DATE` holds only a day);
- retired = the private key's `CKA_SIGN` set to false: the token itself then refuses to sign
  with it, so a signer handed out before the retirement stops too. Nothing is ever deleted.
Key pairs without the data object (made by other tools) are not this backend's and are ignored.

One logged-in session per backend, guarded by a lock: PKCS#11 sessions run one operation at a
time. A PKCS#11 login belongs to the whole process, so use one backend per token per process.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

import pkcs11
from eth_utils.address import is_address, to_canonical_address, to_checksum_address
from pkcs11 import Attribute, KeyType, MechanismFlag, ObjectClass
from pkcs11.util.ec import encode_named_curve_parameters

from omniarb.errors import ConfigError
from omniarb.keys._pkcs11_signer import (
    Pkcs11DigestSigner,
    address_of_public_key,
    public_key_from_ec_point,
)
from omniarb.keys.base import BackendName, KeyInfo

__all__ = ["PKCS11_PIN_ENV", "Pkcs11Backend"]

log = logging.getLogger(__name__)

PKCS11_PIN_ENV = "OMNIARB_PKCS11_PIN"
# secp256k1's object identifier (SEC 2, section A.2.1).
_SECP256K1_OID = "1.3.132.0.10"
_APPLICATION = "omniarb"
_META_PREFIX = "omniarb-key:"
_PIN_REFUSED = (pkcs11.PinIncorrect, pkcs11.PinInvalid, pkcs11.PinLenRange)


def _library(module_path: str) -> Any:
    """The loaded module; python-pkcs11 keeps one per path for the process (C_Initialize and
    C_Finalize are process-wide, so a second copy finalizing would close every session)."""
    if not Path(module_path).is_file():
        raise ConfigError(f"keys.pkcs11_module: no PKCS#11 module at {module_path}")
    try:
        return pkcs11.lib(module_path)
    except (pkcs11.PKCS11Error, RuntimeError, OSError) as exc:
        raise ConfigError(
            f"keys.pkcs11_module: {module_path} did not load as a PKCS#11 module "
            f"({type(exc).__name__})"
        ) from exc


class Pkcs11Backend:
    """Keys in one PKCS#11 token, opened with the user PIN (`pin`, else `OMNIARB_PKCS11_PIN`).

    Opening logs in at once: a missing module, token or PIN, or a refused PIN, is a
    `ConfigError` here, not at the first trade. The PIN is not kept after the login.
    """

    def __init__(
        self,
        module_path: str,
        token_label: str,
        pin: str | None = None,
        *,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        env = os.environ if environ is None else environ
        given = pin if pin is not None else env.get(PKCS11_PIN_ENV, "")
        if not given:
            raise ConfigError(
                f"{PKCS11_PIN_ENV} is not set: the pkcs11 key backend needs the token's user PIN"
            )
        library = _library(module_path)
        try:
            token = library.get_token(token_label=token_label)
        except pkcs11.NoSuchToken:
            raise ConfigError(
                f"keys.pkcs11_token_label: no token labelled {token_label!r} in {module_path}"
            ) from None
        except pkcs11.MultipleTokensReturned:
            raise ConfigError(
                f"keys.pkcs11_token_label: several tokens are labelled {token_label!r}"
            ) from None
        try:
            self._session = token.open(rw=True, user_pin=given)
        except _PIN_REFUSED as exc:
            raise ConfigError(
                f"the token {token_label!r} refused the PIN ({type(exc).__name__}); check "
                f"{PKCS11_PIN_ENV} (its value is not shown)"
            ) from None
        except pkcs11.PinLocked:
            raise ConfigError(f"the token {token_label!r} has locked its user PIN") from None
        except pkcs11.UserAlreadyLoggedIn:
            raise ConfigError(
                f"the token {token_label!r} is already logged in by another backend in this "
                "process: a PKCS#11 login is per process, so share one Pkcs11Backend per token"
            ) from None
        except pkcs11.PKCS11Error as exc:
            raise ConfigError(
                f"the token {token_label!r} could not be opened ({type(exc).__name__})"
            ) from None
        self._token_label = token_label
        self._lock = threading.Lock()
        self._closed = False
        log.info("pkcs11: logged in to token %r", token_label)

    @property
    def name(self) -> BackendName:
        return "pkcs11"

    @property
    def token_label(self) -> str:
        return self._token_label

    def close(self) -> None:
        """Log out and close the session (idempotent); signers handed out stop working."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            try:
                self._session.close()
            except pkcs11.PKCS11Error as exc:
                log.warning("pkcs11: closing the session failed: %s", type(exc).__name__)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Pkcs11Backend(token={self._token_label!r})"

    def _check_open(self) -> None:
        if self._closed:
            raise ConfigError(f"the pkcs11 backend of token {self._token_label!r} is closed")

    def create_key(self, label: str) -> KeyInfo:
        if not label or not label.isprintable():
            raise ConfigError(f"a key label must be non-empty printable text, got {label!r}")
        created_at = datetime.now(UTC).replace(microsecond=0)
        with self._lock:
            self._check_open()
            public, private = self._generate(label)
            point = public_key_from_ec_point(public[Attribute.EC_POINT])
            address = address_of_public_key(point)
            key_id = to_canonical_address(address)
            # The address is known only once the key exists: the pair was generated under a
            # random id, and now takes its address as id (CKA_ID may be changed, v2.40 4.4).
            public[Attribute.ID] = key_id
            private[Attribute.ID] = key_id
            self._session.create_object(
                {
                    Attribute.CLASS: ObjectClass.DATA,
                    Attribute.TOKEN: True,
                    Attribute.PRIVATE: True,
                    Attribute.APPLICATION: _APPLICATION,
                    Attribute.LABEL: _META_PREFIX + address,
                    Attribute.VALUE: json.dumps({"created_at": created_at.isoformat()}).encode(),
                }
            )
        log.info("pkcs11: created key %s (%s) in token %r", address, label, self._token_label)
        return KeyInfo(address=address, backend="pkcs11", label=label, created_at=created_at)

    def _generate(self, label: str) -> tuple[Any, Any]:
        curve = self._session.create_domain_parameters(
            KeyType.EC,
            {Attribute.EC_PARAMS: encode_named_curve_parameters(_SECP256K1_OID)},
            local=True,
        )
        try:
            public, private = curve.generate_keypair(
                id=secrets.token_bytes(16),
                label=label,
                store=True,
                capabilities=MechanismFlag.SIGN | MechanismFlag.VERIFY,
                private_template={
                    Attribute.SENSITIVE: True,
                    Attribute.EXTRACTABLE: False,
                    Attribute.PRIVATE: True,
                    Attribute.DERIVE: False,
                },
            )
        except pkcs11.PKCS11Error as exc:
            raise ConfigError(
                f"the token {self._token_label!r} could not generate a secp256k1 key "
                f"({type(exc).__name__}); does it support the curve?"
            ) from exc
        return public, private

    def list_keys(self) -> list[KeyInfo]:
        with self._lock:
            self._check_open()
            created = self._creation_times()
            infos = [
                self._info(private, created[address])
                for private, address in self._private_keys()
                if address in created
            ]
        return sorted(infos, key=lambda info: (info.created_at, info.address))

    def digest_signer(self, address: str) -> Pkcs11DigestSigner:
        wanted = self._canonical(address)
        with self._lock:
            self._check_open()
            private = self._private_key(wanted)
            if not private[Attribute.SIGN]:
                raise ConfigError(f"the key {wanted} is retired in token {self._token_label!r}")
            public = self._one(ObjectClass.PUBLIC_KEY, wanted)
            point = public_key_from_ec_point(public[Attribute.EC_POINT])
        if address_of_public_key(point) != wanted:
            raise ConfigError(f"the public key stored under id {wanted} has another address")
        return Pkcs11DigestSigner(private_key=private, public_key=point, session_lock=self._lock)

    def retire_key(self, address: str) -> KeyInfo:
        wanted = self._canonical(address)
        with self._lock:
            self._check_open()
            private = self._private_key(wanted)
            private[Attribute.SIGN] = False
            info = self._info(private, self._creation_times()[wanted])
        log.info("pkcs11: retired key %s in token %r", wanted, self._token_label)
        return info

    # --- lookups; the callers hold the lock ---------------------------------------------------

    @staticmethod
    def _canonical(address: str) -> str:
        if not is_address(address):
            raise ConfigError(f"not an Ethereum address: {address!r}")
        return to_checksum_address(address)

    def _private_keys(self) -> list[tuple[Any, str]]:
        found: list[tuple[Any, str]] = []
        for private in self._session.get_objects(
            {Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.KEY_TYPE: KeyType.EC}
        ):
            key_id = private[Attribute.ID]
            if len(key_id) == 20:
                found.append((private, to_checksum_address(key_id)))
        return found

    def _creation_times(self) -> dict[str, datetime]:
        times = {}
        for record in self._session.get_objects(
            {Attribute.CLASS: ObjectClass.DATA, Attribute.APPLICATION: _APPLICATION}
        ):
            label: str = record[Attribute.LABEL]
            if not label.startswith(_META_PREFIX):
                continue
            try:
                created_at = datetime.fromisoformat(
                    json.loads(bytes(record[Attribute.VALUE]))["created_at"]
                )
            except (ValueError, KeyError, TypeError):
                # Written by something else under our application name: not one of our keys.
                log.warning("pkcs11: the record %r is unreadable; its key is ignored", label)
                continue
            times[label.removeprefix(_META_PREFIX)] = created_at
        return times

    def _one(self, object_class: ObjectClass, address: str) -> Any:
        try:
            return self._session.get_key(
                object_class=object_class, id=to_canonical_address(address)
            )
        except pkcs11.NoSuchKey:
            raise ConfigError(f"the token {self._token_label!r} holds no key {address}") from None
        except pkcs11.MultipleObjectsReturned:
            raise ConfigError(
                f"the token {self._token_label!r} holds several keys with id {address}"
            ) from None

    def _private_key(self, address: str) -> Any:
        if address not in self._creation_times():
            raise ConfigError(f"the token {self._token_label!r} holds no omniarb key {address}")
        return self._one(ObjectClass.PRIVATE_KEY, address)

    @staticmethod
    def _info(private: Any, created_at: datetime) -> KeyInfo:
        return KeyInfo(
            address=to_checksum_address(private[Attribute.ID]),
            backend="pkcs11",
            label=private[Attribute.LABEL],
            created_at=created_at,
            retired=not private[Attribute.SIGN],
        )

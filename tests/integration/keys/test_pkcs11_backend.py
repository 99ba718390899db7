"""The pkcs11 key backend against a real SoftHSM2 token: keys made inside and never readable,
signatures Ethereum accepts (low-s, right recovery id), retirement that keeps the key and makes
the token refuse it, and clear errors for a wrong PIN, token or module."""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pkcs11
import pytest
from _softhsm import TestToken
from coincurve import PublicKey
from eth_keys.datatypes import Signature
from eth_utils.address import to_canonical_address
from pkcs11 import Attribute, Mechanism, ObjectClass

from omniarb.errors import ConfigError, FatalError
from omniarb.keys._pkcs11_signer import SECP256K1_N, low_s_recoverable
from omniarb.keys.local import LocalDigestSigner
from omniarb.keys.pkcs11 import PKCS11_PIN_ENV, Pkcs11Backend

_DIGESTS = 256


@pytest.fixture
def backend(softhsm_token: TestToken) -> Iterator[Pkcs11Backend]:
    with Pkcs11Backend(
        softhsm_token.token.module_path, softhsm_token.token.label, softhsm_token.pin
    ) as opened:
        yield opened


def _inspect_session(softhsm_token: TestToken) -> pkcs11.Session:
    """A second session on the token, not logged in itself: a PKCS#11 login is per process, so
    it sees what the backend's login shows, as any other code in the process would."""
    token = pkcs11.lib(softhsm_token.token.module_path).get_token(
        token_label=softhsm_token.token.label
    )
    return token.open()


def test_a_key_is_made_inside_the_token_and_its_secret_cannot_be_read(
    backend: Pkcs11Backend, softhsm_token: TestToken
) -> None:
    info = backend.create_key("executor-1")
    assert info.backend == "pkcs11"
    assert info.label == "executor-1"
    assert not info.retired
    with _inspect_session(softhsm_token) as session:
        private = session.get_key(
            object_class=ObjectClass.PRIVATE_KEY, id=to_canonical_address(info.address)
        )
        assert private[Attribute.LABEL] == "executor-1"
        assert private[Attribute.SENSITIVE] is True
        assert private[Attribute.EXTRACTABLE] is False
        # Generated in the token, never outside it: PKCS#11 sets these only for such keys.
        assert private[Attribute.ALWAYS_SENSITIVE] is True
        assert private[Attribute.NEVER_EXTRACTABLE] is True
        assert private[Attribute.LOCAL] is True
        with pytest.raises(pkcs11.AttributeSensitive):
            private[Attribute.VALUE]
        with pytest.raises(pkcs11.PKCS11Error):
            private[Attribute.EXTRACTABLE] = True  # a one-way attribute (PKCS#11 v2.40 4.9)


def test_signatures_recover_to_the_address_with_low_s(
    backend: Pkcs11Backend, softhsm_token: TestToken
) -> None:
    info = backend.create_key("signing")
    signer = backend.digest_signer(info.address)
    assert signer.address == info.address
    for _ in range(_DIGESTS):
        digest = os.urandom(32)
        signature = signer.sign_digest(digest)
        assert len(signature) == 65
        assert signature[64] in (0, 1)
        assert 0 < int.from_bytes(signature[32:64], "big") <= SECP256K1_N // 2
        # An implementation other than libsecp256k1 (eth_keys) agrees on the signer.
        recovered = Signature(signature).recover_public_key_from_msg_hash(digest)
        assert recovered.to_checksum_address() == info.address
        public = PublicKey.from_signature_and_message(signature, digest, hasher=None)
        assert public.verify(_der(signature), digest, hasher=None)


def test_the_token_signs_high_s_half_the_time_so_normalizing_matters(
    backend: Pkcs11Backend, softhsm_token: TestToken
) -> None:
    info = backend.create_key("raw")
    high = 0
    with _inspect_session(softhsm_token) as session:
        private = session.get_key(
            object_class=ObjectClass.PRIVATE_KEY, id=to_canonical_address(info.address)
        )
        for _ in range(64):
            raw = private.sign(os.urandom(32), mechanism=Mechanism.ECDSA)
            high += int.from_bytes(raw[32:], "big") > SECP256K1_N // 2
    # Each raw signature is high-s with probability 1/2: none in 64 would be a 2**-64 fluke.
    assert high > 0


def test_low_s_recoverable_flips_a_high_s_and_its_recovery_id() -> None:
    local = LocalDigestSigner(bytes(range(1, 33)))
    public = local.coincurve_key.public_key.format(compressed=False)
    for _ in range(32):
        digest = os.urandom(32)
        low = local.sign_digest(digest)  # libsecp256k1: low-s with its recovery id
        s = int.from_bytes(low[32:64], "big")
        high_rs = low[:32] + (SECP256K1_N - s).to_bytes(32, "big")
        assert low_s_recoverable(high_rs, digest, public) == low
        assert low_s_recoverable(low[:64], digest, public) == low
        other = LocalDigestSigner(bytes(range(2, 34))).sign_digest(digest)
        with pytest.raises(FatalError, match="does not recover"):
            low_s_recoverable(other[:64], digest, public)


def test_retired_keys_stay_listed_and_the_token_refuses_them(
    backend: Pkcs11Backend, softhsm_token: TestToken
) -> None:
    old = backend.create_key("rotate-old")
    new = backend.create_key("rotate-new")
    early_signer = backend.digest_signer(old.address)
    early_signer.sign_digest(bytes(32))

    retired = backend.retire_key(old.address.lower())
    assert retired.retired
    assert retired.address == old.address
    assert retired.created_at == old.created_at

    listed = {info.address: info for info in backend.list_keys()}
    assert listed[old.address].retired
    assert listed[old.address].label == "rotate-old"
    assert not listed[new.address].retired
    with pytest.raises(ConfigError, match="retired"):
        backend.digest_signer(old.address)
    # A signer handed out before the retirement stops too: the token itself refuses.
    with pytest.raises(FatalError, match="refused to sign"):
        early_signer.sign_digest(bytes(32))
    backend.digest_signer(new.address).sign_digest(bytes(32))

    # Kept in the token, retired, for the next process as well.
    backend.close()
    with Pkcs11Backend(
        softhsm_token.token.module_path, softhsm_token.token.label, softhsm_token.pin
    ) as reopened:
        again = {info.address: info for info in reopened.list_keys()}
    assert again[old.address] == listed[old.address]
    assert again[new.address] == listed[new.address]


def test_unknown_addresses_are_config_errors(backend: Pkcs11Backend) -> None:
    stranger = LocalDigestSigner(bytes(range(3, 35))).address
    with pytest.raises(ConfigError, match="holds no omniarb key"):
        backend.digest_signer(stranger)
    with pytest.raises(ConfigError, match="holds no omniarb key"):
        backend.retire_key(stranger)
    with pytest.raises(ConfigError, match="not an Ethereum address"):
        backend.digest_signer("0x1234")


def test_a_wrong_pin_is_a_config_error_that_does_not_show_it(softhsm_token: TestToken) -> None:
    module, label = softhsm_token.token.module_path, softhsm_token.token.label
    wrong = "not-" + softhsm_token.pin
    with pytest.raises(ConfigError, match="refused the PIN") as refused:
        Pkcs11Backend(module, label, wrong)
    assert wrong not in str(refused.value)
    assert refused.value.__cause__ is None
    with pytest.raises(ConfigError, match=PKCS11_PIN_ENV):
        Pkcs11Backend(module, label, environ={})
    with pytest.raises(ConfigError, match="refused the PIN"):
        Pkcs11Backend(module, label, environ={PKCS11_PIN_ENV: wrong})
    with Pkcs11Backend(module, label, environ={PKCS11_PIN_ENV: softhsm_token.pin}) as opened:
        assert opened.name == "pkcs11"
        # One login per process: a second backend cannot log in beside it, right PIN or not.
        with pytest.raises(ConfigError, match="already logged in"):
            Pkcs11Backend(module, label, wrong)


def test_a_wrong_token_or_module_is_a_config_error(softhsm_token: TestToken) -> None:
    module = softhsm_token.token.module_path
    with pytest.raises(ConfigError, match="no token labelled 'elsewhere'"):
        Pkcs11Backend(module, "elsewhere", softhsm_token.pin)
    with pytest.raises(ConfigError, match="no PKCS#11 module"):
        Pkcs11Backend(module + ".missing", softhsm_token.token.label, softhsm_token.pin)


def test_a_closed_backend_refuses_work(softhsm_token: TestToken) -> None:
    backend = Pkcs11Backend(
        softhsm_token.token.module_path, softhsm_token.token.label, softhsm_token.pin
    )
    info = backend.create_key("closing")
    signer = backend.digest_signer(info.address)
    backend.close()
    backend.close()
    with pytest.raises(ConfigError, match="closed"):
        backend.list_keys()
    with pytest.raises(FatalError, match="refused to sign"):
        signer.sign_digest(bytes(32))


def _der(signature: bytes) -> bytes:
    """A DER ECDSA signature of r ‖ s, what coincurve's `verify` takes."""

    def integer(value: bytes) -> bytes:
        body = value.lstrip(b"\x00") or b"\x00"
        if body[0] & 0x80:
            body = b"\x00" + body
        return bytes((0x02, len(body))) + body

    body = integer(signature[:32]) + integer(signature[32:64])
    return bytes((0x30, len(body))) + body


def test_signers_of_one_backend_share_its_session_from_many_threads(
    backend: Pkcs11Backend,
) -> None:
    addresses = [backend.create_key(f"thread-{i}").address for i in range(2)]
    signers = [backend.digest_signer(address) for address in addresses]

    def sign_many(worker: int) -> list[tuple[str, bytes, bytes]]:
        signer = signers[worker % 2]
        done = []
        for _ in range(40):
            digest = os.urandom(32)
            done.append((signer.address, digest, signer.sign_digest(digest)))
        return done

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = [item for batch in pool.map(sign_many, range(6)) for item in batch]
    assert len(results) == 240
    for address, digest, signature in results:
        recovered = Signature(signature).recover_public_key_from_msg_hash(digest)
        assert recovered.to_checksum_address() == address

"""Reading a token's public key (`CKA_EC_POINT`) and finding SoftHSM2: the pure parts of the
pkcs11 backend."""

from __future__ import annotations

import pytest
from coincurve import PrivateKey

from omniarb.errors import ConfigError
from omniarb.keys._pkcs11_signer import address_of_public_key, public_key_from_ec_point
from omniarb.keys.local import LocalDigestSigner
from omniarb.keys.softhsm import find_softhsm_module

_KEY = bytes(range(1, 33))
_POINT = PrivateKey(_KEY).public_key.format(compressed=False)


def test_the_der_octet_string_and_the_bare_point_give_the_same_key() -> None:
    assert public_key_from_ec_point(b"\x04\x41" + _POINT) == _POINT
    assert public_key_from_ec_point(_POINT) == _POINT
    assert address_of_public_key(_POINT) == LocalDigestSigner(_KEY).address


@pytest.mark.parametrize(
    ("ec_point", "message"),
    [
        (b"\x04\x40" + _POINT, "DER length of 64"),
        (PrivateKey(_KEY).public_key.format(compressed=True), "not an uncompressed"),
        (b"\x04\x41\x04" + bytes(64), "not a point on secp256k1"),
        (b"", "not an uncompressed"),
    ],
)
def test_other_ec_points_are_refused(ec_point: bytes, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        public_key_from_ec_point(ec_point)


def test_a_missing_softhsm_module_names_the_package(tmp_path) -> None:
    with pytest.raises(ConfigError, match="install the softhsm2 package"):
        find_softhsm_module((str(tmp_path / "libsofthsm2.so"),))
    assert find_softhsm_module().endswith("libsofthsm2.so")

"""The relay signature header: eth-account (an independent implementation) recovers the
reputation key's address from it for any body, and the key is never shown."""

from __future__ import annotations

import pickle

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils import keccak
from hypothesis import given
from hypothesis import strategies as st

from omniarb.devnet.accounts import dev_account
from omniarb.errors import ConfigError
from omniarb.execute.relay_auth import RelayAuth

# An anvil dev account's key: public, and no one's reputation.
KEY = dev_account(3).private_key


@given(st.binary(max_size=2_000))
def test_the_header_recovers_to_the_reputation_address(body: bytes) -> None:
    auth = RelayAuth(KEY)
    address, signature = auth.header(body).split(":")
    assert address == Account.from_key(KEY).address == auth.address
    message = encode_defunct(text="0x" + keccak(body).hex())
    assert Account.recover_message(message, signature=signature) == address
    # The same signature eth-account makes for the message the relay documents.
    expected = bytes(Account.sign_message(message, KEY).signature)
    assert signature == "0x" + expected.hex()


def test_the_key_is_never_shown() -> None:
    auth = RelayAuth(KEY)
    for text in (repr(auth), str(auth)):
        assert KEY.hex() not in text
    with pytest.raises(TypeError):
        pickle.dumps(auth)
    with pytest.raises(ConfigError) as caught:
        RelayAuth(KEY[:31])
    assert KEY[:31].hex() not in str(caught.value)

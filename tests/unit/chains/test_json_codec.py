"""`json_codec`: orjson's speed without its 64-bit limit — every integer round-trips exactly,
and the output is the compact JSON `json` would write."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omniarb.chains import json_codec

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@given(_JSON)
def test_every_value_round_trips_exactly(value: object) -> None:
    encoded = json_codec.dumps(value)
    assert json_codec.loads(encoded) == value
    assert json_codec.loads(encoded.decode()) == value
    assert json.loads(encoded) == value


@pytest.mark.parametrize("wide", [2**64, 2**256 - 1, -(2**63) - 1, 10**40])
def test_integers_wider_than_64_bits_stay_exact(wide: int) -> None:
    payload = {"jsonrpc": "2.0", "id": 1, "result": [wide, "0x" + "00" * 32]}
    encoded = json_codec.dumps(payload)
    assert encoded == json.dumps(payload, separators=(",", ":")).encode()
    decoded = json_codec.loads(encoded)
    assert decoded["result"][0] == wide
    assert isinstance(decoded["result"][0], int)


def test_a_request_is_compact_json_text() -> None:
    payload = {
        "jsonrpc": "2.0",
        "id": 7,
        "method": "eth_call",
        "params": ({"to": "0xab"}, "latest"),
    }
    text = json_codec.dumps_text(payload)
    assert text == '{"jsonrpc":"2.0","id":7,"method":"eth_call","params":[{"to":"0xab"},"latest"]}'


def test_text_that_is_not_json_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="Expecting value"):
        json_codec.loads(b"<html>502 Bad Gateway</html>")


def test_a_value_neither_encoder_knows_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        json_codec.dumps({"x": object()})

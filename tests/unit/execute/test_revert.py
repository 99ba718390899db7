"""Revert data decodes to what a person reads: Error(string), Panic(uint256), custom errors."""

from __future__ import annotations

import pytest
from eth_abi.abi import encode

from omniarb.chains.abi import selector
from omniarb.contracts import load_artifact
from omniarb.errors import ExecutionRevertedError
from omniarb.execute._revert import (
    decode_revert,
    error_signatures,
    error_signatures_from_abi,
    revert_data_of,
)

PROFIT = "InsufficientProfit(uint256,uint256)"


def test_error_string() -> None:
    data = selector("Error(string)") + encode(["string"], ["UniswapV2Router: EXPIRED"])
    reason = decode_revert(data)
    assert reason.message == "UniswapV2Router: EXPIRED"
    assert (reason.name, reason.args, reason.selector) == (
        "Error",
        ("UniswapV2Router: EXPIRED",),
        selector("Error(string)"),
    )
    assert reason.data == data


def test_empty_error_string_says_so() -> None:
    reason = decode_revert(selector("Error(string)") + encode(["string"], [""]))
    assert reason.message == "reverted with an empty reason string"
    assert reason.args == ("",)


@pytest.mark.parametrize(
    ("code", "meaning"),
    [(0x01, "assert failed"), (0x11, "arithmetic overflow"), (0x12, "division"), (0x99, "unknown")],
)
def test_panic(code: int, meaning: str) -> None:
    reason = decode_revert(selector("Panic(uint256)") + encode(["uint256"], [code]))
    assert reason.message.startswith(f"panic 0x{code:02x}: {meaning}")
    assert (reason.name, reason.args) == ("Panic", (code,))


def test_known_custom_error_is_named_with_its_arguments() -> None:
    data = selector(PROFIT) + encode(["uint256", "uint256"], [5, 700])
    reason = decode_revert(data, error_signatures([PROFIT]))
    assert reason.message == "InsufficientProfit(5, 700)"
    assert (reason.name, reason.args) == ("InsufficientProfit", (5, 700))


def test_unknown_custom_error_shows_its_selector() -> None:
    data = selector(PROFIT) + encode(["uint256", "uint256"], [5, 700])
    reason = decode_revert(data)
    assert reason.message == f"custom error 0x{selector(PROFIT).hex()}"
    assert reason.name is None
    assert reason.selector == selector(PROFIT)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "reverted without a reason"),
        (b"\x01\x02", "reverted with data 0x0102"),
        (selector("Error(string)") + b"\x00" * 5, "undecodable data"),
        (selector(PROFIT) + b"\x01", "undecodable data"),
    ],
)
def test_malformed_data_is_shown_not_raised(data: bytes, message: str) -> None:
    reason = decode_revert(data, error_signatures([PROFIT]))
    assert message in reason.message
    assert reason.data == data


def test_signatures_from_a_compiled_artifact() -> None:
    """DevToken's ABI declares NotOwner(), InsufficientBalance(), InsufficientAllowance()."""
    known = error_signatures_from_abi(load_artifact("DevToken").abi)
    assert known[selector("InsufficientBalance()")] == "InsufficientBalance()"
    assert set(known.values()) >= {"NotOwner()", "InsufficientBalance()", "InsufficientAllowance()"}
    reason = decode_revert(selector("InsufficientBalance()"), known)
    assert reason.message == "InsufficientBalance()"


def test_tuple_parameters_keep_their_shape() -> None:
    abi = [
        {
            "type": "error",
            "name": "BadRoute",
            "inputs": [
                {
                    "type": "tuple[]",
                    "components": [{"type": "address"}, {"type": "uint24"}],
                },
                {"type": "uint8"},
            ],
        },
        {"type": "function", "name": "ignored", "inputs": []},
    ]
    assert list(error_signatures_from_abi(abi).values()) == ["BadRoute((address,uint24)[],uint8)"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [("0xf4d678b8", b"\xf4\xd6\x78\xb8"), ({"data": "0x01"}, b"\x01"), (None, b""), ("oops", b"")],
)
def test_revert_data_flat_or_nested(data: object, expected: bytes) -> None:
    error = ExecutionRevertedError(
        method="eth_call", code=3, message="execution reverted", data=data
    )
    assert revert_data_of(error) == expected

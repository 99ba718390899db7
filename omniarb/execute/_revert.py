"""Revert data decoded into something a person (and a risk rule) can read.

A reverting `eth_call` answers with the ABI-encoded reason in the JSON-RPC error's `data`:
`Error(string)` for `require(cond, "msg")`, `Panic(uint256)` for failed asserts and arithmetic
(Solidity docs, "Panic via assert and Error via require"), or a custom error's selector and
arguments. Custom errors are named when their signatures are known (`error_signatures_from_abi`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# abi's signature splitter handles tuple types; one copy of it is enough.
from omniarb.chains.abi import decode, selector, types_of
from omniarb.errors import ExecutionRevertedError

__all__ = [
    "RevertReason",
    "decode_revert",
    "error_signatures",
    "error_signatures_from_abi",
    "revert_data_of",
]

_ERROR_STRING = selector("Error(string)")
_PANIC = selector("Panic(uint256)")
# Solidity's panic codes (docs: "Panic via assert and Error via require").
_PANIC_CODES = {
    0x00: "generic compiler panic",
    0x01: "assert failed",
    0x11: "arithmetic overflow or underflow",
    0x12: "division or modulo by zero",
    0x21: "invalid enum value",
    0x22: "corrupt storage byte array",
    0x31: "pop on an empty array",
    0x32: "array index out of bounds",
    0x41: "out of memory",
    0x51: "call to a zero-initialized function",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class RevertReason:
    """What a revert said: `message` for people, `selector`/`name`/`args` for code."""

    message: str
    data: bytes
    selector: bytes | None
    name: str | None
    args: tuple[Any, ...] = ()


def revert_data_of(exc: ExecutionRevertedError) -> bytes:
    """The revert data a node sent with a revert (b"" when there is none)."""
    data = exc.data
    if isinstance(data, dict):  # some nodes nest it: {"data": "0x…"}
        data = data.get("data")
    if isinstance(data, str) and data.startswith("0x"):
        return bytes.fromhex(data[2:])
    return b""


def error_signatures(signatures: Iterable[str]) -> dict[bytes, str]:
    """Selector → signature for custom errors, e.g. `["InsufficientProfit(uint256,uint256)"]`."""
    return {selector(signature): signature for signature in signatures}


def error_signatures_from_abi(abi: Iterable[Mapping[str, Any]]) -> dict[bytes, str]:
    """Selector → signature of every `error` entry of a contract ABI (an artifact's `abi`)."""
    return error_signatures(
        f"{entry['name']}({','.join(_abi_type(i) for i in entry.get('inputs', []))})"
        for entry in abi
        if entry.get("type") == "error"
    )


def _abi_type(param: Mapping[str, Any]) -> str:
    kind = str(param["type"])
    if kind.startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in param.get("components", []))
        return f"({inner}){kind.removeprefix('tuple')}"
    return kind


def decode_revert(data: bytes, known_errors: Mapping[bytes, str] | None = None) -> RevertReason:
    """Decode revert `data`; never raises (undecodable data is shown as hex)."""
    if len(data) < 4:
        text = "reverted without a reason" if not data else f"reverted with data 0x{data.hex()}"
        return RevertReason(message=text, data=data, selector=None, name=None)
    head, body = data[:4], data[4:]
    try:
        if head == _ERROR_STRING:
            (text,) = decode(["string"], body)
            return RevertReason(
                message=str(text) or "reverted with an empty reason string",
                data=data,
                selector=head,
                name="Error",
                args=(text,),
            )
        if head == _PANIC:
            (code,) = decode(["uint256"], body)
            meaning = _PANIC_CODES.get(code, "unknown panic code")
            return RevertReason(
                message=f"panic 0x{code:02x}: {meaning}",
                data=data,
                selector=head,
                name="Panic",
                args=(code,),
            )
        signature = (known_errors or {}).get(head)
        if signature is not None:
            args = decode(types_of(signature), body)
            name = signature[: signature.index("(")]
            shown = ", ".join(str(a) for a in args)
            return RevertReason(
                message=f"{name}({shown})", data=data, selector=head, name=name, args=args
            )
    except Exception:  # malformed revert data must not hide the revert itself
        return RevertReason(
            message=f"reverted with undecodable data 0x{data.hex()}",
            data=data,
            selector=head,
            name=None,
        )
    return RevertReason(message=f"custom error 0x{head.hex()}", data=data, selector=head, name=None)

"""Across V3 SpokePool calldata and events as `@across-protocol/contracts` 5.x defines them.

5.x widens every address of a relay to `bytes32` (so non-EVM chains fit): `deposit` takes
bytes32 depositor/recipient/tokens/exclusive relayer, `FundsDeposited` and `FilledRelay` carry
them, and `fillRelay` takes the `V3RelayData` struct (SpokePool.sol, `V3SpokePoolInterface`).
A relay is identified on its destination by `getV3RelayHash`: keccak256 of
`abi.encode(relayData, destinationChainId)`; `fillStatuses(relayHash)` is 0 (unfilled),
1 (slow fill requested) or 2 (filled). Both the product's adapter and the devnet's relayer
use this module, so what one encodes the other decodes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from omniarb.chains.abi import decode, encode_args, encode_call

__all__ = [
    "FILLED_RELAY_TOPIC",
    "FILL_STATUS_FILLED",
    "FUNDS_DEPOSITED_TOPIC",
    "AcrossFill",
    "AcrossRelay",
    "deposit_calldata",
    "fill_relay_calldata",
    "fill_status_calldata",
    "from_bytes32",
    "parse_filled_relay",
    "parse_funds_deposited",
    "relay_hash",
    "to_bytes32",
]

_RELAY_DATA = (
    "(bytes32,bytes32,bytes32,bytes32,bytes32,uint256,uint256,uint256,uint256,uint32,uint32,bytes)"
)
_DEPOSIT = (
    "deposit(bytes32,bytes32,bytes32,bytes32,uint256,uint256,uint256,bytes32,uint32,uint32,"
    "uint32,bytes)"
)
_FILL_RELAY = f"fillRelay({_RELAY_DATA},uint256,bytes32)"
_FUNDS_DEPOSITED = (
    "FundsDeposited(bytes32,bytes32,uint256,uint256,uint256,uint256,uint32,uint32,uint32,"
    "bytes32,bytes32,bytes32,bytes)"
)
_FILLED_RELAY = (
    "FilledRelay(bytes32,bytes32,uint256,uint256,uint256,uint256,uint256,uint32,uint32,bytes32,"
    "bytes32,bytes32,bytes32,bytes32,(bytes32,bytes32,uint256,uint8))"
)
FUNDS_DEPOSITED_TOPIC = "0x" + keccak(text=_FUNDS_DEPOSITED).hex()
FILLED_RELAY_TOPIC = "0x" + keccak(text=_FILLED_RELAY).hex()
FILL_STATUS_FILLED = 2
# The non-indexed fields of each event, in order.
_DEPOSITED_DATA = (
    "bytes32",
    "bytes32",
    "uint256",
    "uint256",
    "uint32",
    "uint32",
    "uint32",
    "bytes32",
    "bytes32",
    "bytes",
)
_FILLED_DATA = (
    "bytes32",
    "bytes32",
    "uint256",
    "uint256",
    "uint256",
    "uint32",
    "uint32",
    "bytes32",
    "bytes32",
    "bytes32",
    "bytes32",
    "(bytes32,bytes32,uint256,uint8)",
)


def to_bytes32(address: str) -> bytes:
    """An EVM address left-padded to 32 bytes (`AddressConverters.toBytes32`)."""
    raw = bytes.fromhex(address.removeprefix("0x"))
    if len(raw) != 20:
        raise ValueError(f"not a 20-byte address: {address!r}")
    return raw.rjust(32, b"\0")


def from_bytes32(word: bytes) -> str:
    """The EVM address in the low 20 bytes of `word` (checksummed)."""
    if len(word) != 32 or any(word[:12]):
        raise ValueError(f"not an EVM address as bytes32: 0x{word.hex()}")
    return str(to_checksum_address(word[12:]))


@dataclass(frozen=True, slots=True, kw_only=True)
class AcrossRelay:
    """One deposit as its `FundsDeposited` event tells it: the relay data a filler sends back
    (addresses already as EVM addresses), where it was mined, and its destination."""

    origin_chain_id: int
    destination_chain_id: int
    deposit_id: int
    depositor: str
    recipient: str
    input_token: str
    output_token: str
    input_amount: int
    output_amount: int
    quote_timestamp: int
    fill_deadline: int
    exclusivity_deadline: int
    exclusive_relayer: bytes
    message: bytes
    tx_hash: str
    block_number: int

    def relay_data(self) -> tuple[Any, ...]:
        """`V3RelayData` in its field order (V3SpokePoolInterface.sol)."""
        return (
            to_bytes32(self.depositor),
            to_bytes32(self.recipient),
            self.exclusive_relayer,
            to_bytes32(self.input_token),
            to_bytes32(self.output_token),
            self.input_amount,
            self.output_amount,
            self.origin_chain_id,
            self.deposit_id,
            self.fill_deadline,
            self.exclusivity_deadline,
            self.message,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class AcrossFill:
    """A `FilledRelay` event: which deposit it paid, how much, to whom, by which relayer."""

    origin_chain_id: int
    deposit_id: int
    recipient: str
    output_token: str
    output_amount: int
    relayer: str
    tx_hash: str
    block_number: int


def deposit_calldata(
    *,
    depositor: str,
    recipient: str,
    input_token: str,
    output_token: str,
    input_amount: int,
    output_amount: int,
    destination_chain_id: int,
    quote_timestamp: int,
    fill_deadline: int,
) -> bytes:
    """`SpokePool.deposit` with no exclusive relayer and no message."""
    data = encode_call(
        _DEPOSIT,
        to_bytes32(depositor),
        to_bytes32(recipient),
        to_bytes32(input_token),
        to_bytes32(output_token),
        input_amount,
        output_amount,
        destination_chain_id,
        bytes(32),
        quote_timestamp,
        fill_deadline,
        0,
        b"",
    )
    return bytes.fromhex(data.removeprefix("0x"))


def fill_relay_calldata(relay: AcrossRelay, *, repayment_chain_id: int, repayment: str) -> str:
    """`SpokePool.fillRelay(relayData, repaymentChainId, repaymentAddress)` for `relay`."""
    return encode_call(_FILL_RELAY, relay.relay_data(), repayment_chain_id, to_bytes32(repayment))


def relay_hash(relay: AcrossRelay) -> bytes:
    """`getV3RelayHash` as the destination SpokePool computes it."""
    return bytes(
        keccak(
            encode_args([_RELAY_DATA, "uint256"], [relay.relay_data(), relay.destination_chain_id])
        )
    )


def fill_status_calldata(relay: AcrossRelay) -> str:
    return encode_call("fillStatuses(bytes32)", relay_hash(relay))


def _topic_int(topic: str) -> int:
    return int(topic, 16)


def parse_funds_deposited(log: dict[str, Any], *, origin_chain_id: int) -> AcrossRelay | None:
    """The deposit a `FundsDeposited` log entry records, or None for any other event."""
    topics = log.get("topics") or []
    if not topics or topics[0].lower() != FUNDS_DEPOSITED_TOPIC or len(topics) != 4:
        return None
    (
        input_token,
        output_token,
        input_amount,
        output_amount,
        quote_timestamp,
        fill_deadline,
        exclusivity_deadline,
        recipient,
        exclusive_relayer,
        message,
    ) = decode(_DEPOSITED_DATA, log["data"])
    return AcrossRelay(
        origin_chain_id=origin_chain_id,
        destination_chain_id=_topic_int(topics[1]),
        deposit_id=_topic_int(topics[2]),
        depositor=from_bytes32(bytes.fromhex(topics[3][2:])),
        recipient=from_bytes32(recipient),
        input_token=from_bytes32(input_token),
        output_token=from_bytes32(output_token),
        input_amount=input_amount,
        output_amount=output_amount,
        quote_timestamp=quote_timestamp,
        fill_deadline=fill_deadline,
        exclusivity_deadline=exclusivity_deadline,
        exclusive_relayer=exclusive_relayer,
        message=message,
        tx_hash=log["transactionHash"],
        block_number=int(log["blockNumber"], 16),
    )


def parse_filled_relay(log: dict[str, Any]) -> AcrossFill | None:
    """The fill a `FilledRelay` log entry records, or None for any other event. The amount
    paid is the execution info's `updatedOutputAmount` (equal to `outputAmount` unless the
    depositor sped the relay up) and the payee its `updatedRecipient`."""
    topics = log.get("topics") or []
    if not topics or topics[0].lower() != FILLED_RELAY_TOPIC or len(topics) != 4:
        return None
    fields = decode(_FILLED_DATA, log["data"])
    updated_recipient, _message_hash, updated_output_amount, _fill_type = fields[11]
    return AcrossFill(
        origin_chain_id=_topic_int(topics[1]),
        deposit_id=_topic_int(topics[2]),
        recipient=from_bytes32(updated_recipient),
        output_token=from_bytes32(fields[1]),
        output_amount=updated_output_amount,
        relayer=from_bytes32(bytes.fromhex(topics[3][2:])),
        tx_hash=log["transactionHash"],
        block_number=int(log["blockNumber"], 16),
    )

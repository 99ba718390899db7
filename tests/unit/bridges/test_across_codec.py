"""The Across SpokePool codec against the ABI that ships with @across-protocol/contracts 5.0.27:
our event topics and call selectors are the ABI's, and what we encode decodes back."""

from __future__ import annotations

import pytest
from eth_utils.crypto import keccak

from omniarb.bridges.across_abi import (
    FILLED_RELAY_TOPIC,
    FUNDS_DEPOSITED_TOPIC,
    AcrossRelay,
    deposit_calldata,
    fill_relay_calldata,
    from_bytes32,
    parse_filled_relay,
    parse_funds_deposited,
    to_bytes32,
)
from omniarb.chains.abi import decode, encode_args, selector
from omniarb.contracts import load_npm_artifact
from omniarb.devnet.deploy import ACROSS_ARTIFACT_PATHS

ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
TOKEN = "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0"


def _canonical(item: dict) -> str:
    def kind(i: dict) -> str:
        if i["type"].startswith("tuple"):
            return "(" + ",".join(kind(c) for c in i["components"]) + ")" + i["type"][5:]
        return str(i["type"])

    return f"{item['name']}({','.join(kind(i) for i in item['inputs'])})"


def _abi(name: str) -> dict:
    artifact = load_npm_artifact(ACROSS_ARTIFACT_PATHS["Arbitrum_SpokePool"])
    return next(item for item in artifact.abi if item.get("name") == name)


def test_event_topics_are_the_abis() -> None:
    assert "0x" + keccak(text=_canonical(_abi("FundsDeposited"))).hex() == FUNDS_DEPOSITED_TOPIC
    assert "0x" + keccak(text=_canonical(_abi("FilledRelay"))).hex() == FILLED_RELAY_TOPIC


def test_call_selectors_are_the_abis() -> None:
    data = deposit_calldata(
        depositor=ALICE,
        recipient=ALICE,
        input_token=TOKEN,
        output_token=TOKEN,
        input_amount=10,
        output_amount=9,
        destination_chain_id=56,
        quote_timestamp=1_700_000_000,
        fill_deadline=1_700_010_000,
    )
    assert data[:4] == selector(_canonical(_abi("deposit")))
    fields = decode(
        ["bytes32", "bytes32", "bytes32", "bytes32", "uint256", "uint256", "uint256", "bytes32",
         "uint32", "uint32", "uint32", "bytes"],
        data[4:],
    )  # fmt: skip
    assert fields[1] == to_bytes32(ALICE)
    assert fields[4:7] == (10, 9, 56)
    assert fields[7:] == (bytes(32), 1_700_000_000, 1_700_010_000, 0, b"")
    fill = fill_relay_calldata(_relay(), repayment_chain_id=56, repayment=ALICE)
    assert bytes.fromhex(fill[2:10]) == selector(_canonical(_abi("fillRelay")))


def _relay() -> AcrossRelay:
    return AcrossRelay(
        origin_chain_id=42161,
        destination_chain_id=56,
        deposit_id=7,
        depositor=ALICE,
        recipient=ALICE,
        input_token=TOKEN,
        output_token=TOKEN,
        input_amount=1_000_000,
        output_amount=999_000_000_000_000_000,
        quote_timestamp=1_700_000_000,
        fill_deadline=1_700_010_000,
        exclusivity_deadline=0,
        exclusive_relayer=bytes(32),
        message=b"",
        tx_hash="0x" + "ab" * 32,
        block_number=12,
    )


def _word(value: int) -> str:
    return "0x" + value.to_bytes(32, "big").hex()


def test_a_funds_deposited_log_parses_back_to_its_relay() -> None:
    relay = _relay()
    data = encode_args(
        ["bytes32", "bytes32", "uint256", "uint256", "uint32", "uint32", "uint32", "bytes32",
         "bytes32", "bytes"],
        [to_bytes32(TOKEN), to_bytes32(TOKEN), relay.input_amount, relay.output_amount,
         relay.quote_timestamp, relay.fill_deadline, 0, to_bytes32(ALICE), bytes(32), b""],
    )  # fmt: skip
    log = {
        "topics": [FUNDS_DEPOSITED_TOPIC, _word(56), _word(7), "0x" + to_bytes32(ALICE).hex()],
        "data": "0x" + data.hex(),
        "transactionHash": relay.tx_hash,
        "blockNumber": hex(12),
    }
    assert parse_funds_deposited(log, origin_chain_id=42161) == relay
    assert parse_filled_relay(log) is None


def test_a_filled_relay_log_reports_the_updated_amount_and_recipient() -> None:
    data = encode_args(
        ["bytes32", "bytes32", "uint256", "uint256", "uint256", "uint32", "uint32", "bytes32",
         "bytes32", "bytes32", "bytes32", "(bytes32,bytes32,uint256,uint8)"],
        [to_bytes32(TOKEN), to_bytes32(TOKEN), 5, 4, 56, 0, 0, bytes(32), to_bytes32(ALICE),
         to_bytes32(ALICE), bytes(32), (to_bytes32(ALICE), bytes(32), 4, 0)],
    )  # fmt: skip
    log = {
        "topics": [FILLED_RELAY_TOPIC, _word(42161), _word(7), "0x" + to_bytes32(TOKEN).hex()],
        "data": "0x" + data.hex(),
        "transactionHash": "0x" + "cd" * 32,
        "blockNumber": hex(99),
    }
    fill = parse_filled_relay(log)
    assert fill is not None
    assert (fill.origin_chain_id, fill.deposit_id, fill.output_amount) == (42161, 7, 4)
    assert fill.recipient == ALICE
    assert fill.relayer == TOKEN
    assert parse_funds_deposited(log, origin_chain_id=1) is None


def test_bytes32_addresses_refuse_what_is_not_an_evm_address() -> None:
    assert from_bytes32(to_bytes32(ALICE)) == ALICE
    with pytest.raises(ValueError, match="20-byte"):
        to_bytes32("0x1234")
    with pytest.raises(ValueError, match="not an EVM address"):
        from_bytes32(b"\x01" * 32)

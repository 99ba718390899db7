"""What a receipt says about the L1 data fee: OP Stack nodes report `l1Fee` on top of the gas;
Arbitrum reports `gasUsedForL1` inside `gasUsed`, which the L2 gas cost leaves out; an L1 (or
the devnet) says nothing."""

from __future__ import annotations

from typing import Any

from omniarb.types import TxReceipt

GWEI = 10**9


def receipt(**extra: str) -> dict[str, Any]:
    return {
        "transactionHash": "0x" + "ab" * 32,
        "blockNumber": "0x10",
        "blockHash": "0x" + "cd" * 32,
        "transactionIndex": "0x0",
        "status": "0x1",
        "gasUsed": hex(200_000),
        "effectiveGasPrice": hex(GWEI // 100),
        "logs": [],
        **extra,
    }


def test_an_l1_receipt_has_no_l1_fee() -> None:
    parsed = TxReceipt.from_rpc(receipt())
    assert parsed.l1_fee_wei is None
    assert parsed.gas_cost_wei == 200_000 * GWEI // 100


def test_an_op_receipt_reports_its_l1_fee_on_top() -> None:
    parsed = TxReceipt.from_rpc(receipt(l1Fee=hex(123_456_789_000)))
    assert parsed.l1_fee_wei == 123_456_789_000
    assert parsed.gas_cost_wei == 200_000 * GWEI // 100


def test_arbitrum_charges_the_l1_fee_as_gas_inside_gas_used() -> None:
    parsed = TxReceipt.from_rpc(receipt(gasUsedForL1=hex(150_000)))
    assert parsed.gas_used_for_l1 == 150_000
    assert parsed.l1_fee_wei == 150_000 * GWEI // 100
    assert parsed.gas_cost_wei == 50_000 * GWEI // 100
    assert parsed.gas_cost_wei + parsed.l1_fee_wei == 200_000 * GWEI // 100

"""Reading Across's `/suggested-fees` answer: the real shape, an older answer without
`outputAmount`, and answers that must be refused loudly."""

from __future__ import annotations

from typing import Any

import pytest

from omniarb.bridges.across_quote import parse_suggested_fees
from omniarb.errors import BridgeAnswerError


def _answer(**changes: Any) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "estimatedFillTimeSec": 4,
        "timestamp": "1700000000",
        "isAmountTooLow": False,
        "quoteBlock": "123",
        "exclusiveRelayer": "0x" + "00" * 20,
        "exclusivityDeadline": 0,
        "spokePoolAddress": "0xe35e9842fceaCA96570B734083f4a58e8F7C5f2A",
        "totalRelayFee": {"pct": "500000000000000", "total": "500"},
        "relayerCapitalFee": {"pct": "0", "total": "300"},
        "relayerGasFee": {"pct": "0", "total": "200"},
        "lpFee": {"pct": "0", "total": "100"},
        "limits": {"minDeposit": "10", "maxDeposit": "5000000", "maxDepositInstant": "5000000"},
        "fillDeadline": "1700010800",
        "outputAmount": "999400",
    }
    answer.update(changes)
    return answer


def test_the_real_shape_is_read() -> None:
    fees = parse_suggested_fees(_answer(), amount=1_000_000)
    assert (fees.total_relay_fee, fees.lp_fee, fees.output_amount) == (500, 100, 999_400)
    assert (fees.quote_timestamp, fees.fill_deadline) == (1_700_000_000, 1_700_010_800)
    assert (fees.min_deposit, fees.max_deposit) == (10, 5_000_000)
    assert fees.estimated_fill_time_s == 4.0


def test_without_output_amount_the_output_is_the_amount_less_the_fees() -> None:
    answer = _answer()
    del answer["outputAmount"]
    assert parse_suggested_fees(answer, amount=1_000_000).output_amount == 1_000_000 - 600


@pytest.mark.parametrize(
    ("answer", "complaint"),
    [
        ([], "not an object"),
        (_answer(totalRelayFee={"pct": "0"}), "lacks totalRelayFee.total"),
        (_answer(timestamp="soon"), "timestamp"),
        (_answer(outputAmount=True), "not an integer"),
        (_answer(totalRelayFee={"total": "2000000"}), "do not add up"),
        (_answer(estimatedFillTimeSec="fast"), "malformed"),
    ],
)
def test_a_bad_answer_is_refused_with_what_is_wrong(answer: Any, complaint: str) -> None:
    with pytest.raises(BridgeAnswerError, match=complaint):
        parse_suggested_fees(answer, amount=1_000_000)

"""Token logs as balance changes: a transfer moves both sides, WETH9's deposit and withdrawal
one, and only the followed (token, holder) pairs change."""

from __future__ import annotations

from omniarb.chain_events import ChainLog
from omniarb.state.token_logs import (
    DEPOSIT_TOPIC,
    TRANSFER_TOPIC,
    WITHDRAWAL_TOPIC,
    balance_deltas,
    balance_filters,
)

TOKEN = "0x" + "aa" * 20
VAULT = "0x" + "11" * 20
POOL = "0x" + "22" * 20
OTHER = "0x" + "33" * 20


def _word(address: str) -> str:
    return "0x" + address[2:].rjust(64, "0")


def _log(*topics: str, value: int, address: str = TOKEN) -> ChainLog:
    return ChainLog(
        chain_id=1,
        address=address,
        topics=topics,
        data=f"0x{value:064x}",
        block_number=5,
        block_hash="0x" + "bb" * 32,
        log_index=0,
        transaction_hash="0x" + "cc" * 32,
        removed=False,
        received_ns=1,
    )


TRACKED = {(TOKEN, VAULT), (TOKEN, POOL)}


def test_a_transfer_moves_both_followed_sides() -> None:
    entry = _log(TRANSFER_TOPIC, _word(VAULT), _word(POOL), value=7)
    assert balance_deltas(entry, TRACKED) == [((TOKEN, VAULT), -7), ((TOKEN, POOL), 7)]
    to_other = _log(TRANSFER_TOPIC, _word(VAULT), _word(OTHER), value=7)
    assert balance_deltas(to_other, TRACKED) == [((TOKEN, VAULT), -7)]


def test_weth_deposits_and_withdrawals_move_one_side() -> None:
    assert balance_deltas(_log(DEPOSIT_TOPIC, _word(POOL), value=3), TRACKED) == [
        ((TOKEN, POOL), 3)
    ]
    assert balance_deltas(_log(WITHDRAWAL_TOPIC, _word(POOL), value=3), TRACKED) == [
        ((TOKEN, POOL), -3)
    ]


def test_other_logs_move_nothing() -> None:
    other_token = _log(TRANSFER_TOPIC, _word(VAULT), _word(POOL), value=7, address=OTHER)
    assert balance_deltas(other_token, TRACKED) == []
    # An ERC-721 transfer (the id indexed, no data) is not a balance change.
    nft = _log(TRANSFER_TOPIC, _word(VAULT), _word(POOL), _word(OTHER), value=0)
    assert balance_deltas(nft, TRACKED) == []
    assert balance_deltas(_log("0x" + "00" * 32, value=1), TRACKED) == []


def test_the_filters_name_the_holders_as_sender_and_as_receiver() -> None:
    sent, received = balance_filters([TOKEN], [VAULT, POOL])
    assert sent.to_params() == {
        "address": [TOKEN],
        "topics": [[TRANSFER_TOPIC, DEPOSIT_TOPIC, WITHDRAWAL_TOPIC], [_word(VAULT), _word(POOL)]],
    }
    assert received.to_params() == {
        "address": [TOKEN],
        "topics": [[TRANSFER_TOPIC], None, [_word(VAULT), _word(POOL)]],
    }

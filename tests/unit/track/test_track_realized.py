"""Realized profit from a receipt's ERC-20 `Transfer` logs: what the holder received minus
what it sent, in the one token, whatever else the logs hold."""

from __future__ import annotations

from eth_utils.crypto import keccak

from omniarb.track.realized import TRANSFER_TOPIC, net_transfers
from omniarb.types import ReceiptLog

TOKEN = "0x" + "aa" * 20
OTHER_TOKEN = "0x" + "bb" * 20
HOLDER = "0x" + "1d" * 20
PAIR = "0x" + "e1" * 20


def _word(address: str) -> str:
    return "0x" + address.removeprefix("0x").lower().rjust(64, "0")


def _transfer(token: str, sender: str, recipient: str, amount: int, index: int = 0) -> ReceiptLog:
    return ReceiptLog(
        address=token,
        topics=(TRANSFER_TOPIC, _word(sender), _word(recipient)),
        data=amount.to_bytes(32, "big"),
        log_index=index,
    )


def test_transfer_topic_is_the_erc20_event() -> None:
    assert "0x" + keccak(text="Transfer(address,address,uint256)").hex() == TRANSFER_TOPIC


def test_profit_is_received_minus_sent() -> None:
    logs = [
        _transfer(TOKEN, PAIR, HOLDER, 1_000_123),  # the cycle's last pair pays the final amount
        _transfer(TOKEN, HOLDER, PAIR, 1_000_000),  # the input paid to the first pair
    ]
    assert net_transfers(logs, token=TOKEN, holder=HOLDER) == 123


def test_other_tokens_other_holders_and_other_events_do_not_count() -> None:
    approval = ReceiptLog(
        address=TOKEN,
        topics=(
            "0x" + keccak(text="Approval(address,address,uint256)").hex(),
            _word(HOLDER),
            _word(PAIR),
        ),
        data=(5).to_bytes(32, "big"),
        log_index=3,
    )
    erc721_like = ReceiptLog(  # a Transfer with the amount indexed is not an ERC-20 one
        address=TOKEN,
        topics=(TRANSFER_TOPIC, _word(PAIR), _word(HOLDER), _word("0x07")),
        data=b"",
        log_index=4,
    )
    logs = [
        _transfer(OTHER_TOKEN, PAIR, HOLDER, 10**18),
        _transfer(TOKEN, PAIR, "0x" + "99" * 20, 10**18),
        approval,
        erc721_like,
        _transfer(TOKEN.upper().replace("0X", "0x"), PAIR, HOLDER, 7),
    ]
    assert net_transfers(logs, token=TOKEN, holder=HOLDER) == 7


def test_a_loss_is_negative_and_a_self_transfer_nets_zero() -> None:
    logs = [_transfer(TOKEN, HOLDER, PAIR, 50), _transfer(TOKEN, HOLDER, HOLDER, 10**6)]
    assert net_transfers(logs, token=TOKEN, holder=HOLDER) == -50

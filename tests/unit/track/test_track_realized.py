"""Realized profit from a receipt's ERC-20 `Transfer` logs: what the holder received minus
what it sent, in the one token, whatever else the logs hold; the wrapped native token's own
mints (`Deposit`) and burns (`Withdrawal`) for the holder count as received and sent; a bribe
is the executor's own `BribePaid` log, and the profit is already net of it."""

from __future__ import annotations

from eth_utils.crypto import keccak

from omniarb.track.realized import (
    BRIBE_PAID_TOPIC,
    DEPOSIT_TOPIC,
    TRANSFER_TOPIC,
    WITHDRAWAL_TOPIC,
    bribe_paid,
    net_transfers,
)
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


def _weth9(topic: str, account: str, amount: int, index: int) -> ReceiptLog:
    return ReceiptLog(
        address=TOKEN,
        topics=(topic, _word(account)),
        data=amount.to_bytes(32, "big"),
        log_index=index,
    )


def test_wrapping_and_unwrapping_count_as_received_and_sent() -> None:
    assert "0x" + keccak(text="Deposit(address,uint256)").hex() == DEPOSIT_TOPIC
    assert "0x" + keccak(text="Withdrawal(address,uint256)").hex() == WITHDRAWAL_TOPIC
    # A route that opens by unwrapping its WETH input into a pool of the native coin and ends
    # with WETH paid by a pair: the profit is what the pair paid minus what was unwrapped.
    logs = [
        _weth9(WITHDRAWAL_TOPIC, HOLDER, 1_000_000, 0),
        _transfer(TOKEN, PAIR, HOLDER, 1_000_077, 1),
        # Someone else's wrapping, and another token's event of the same shape, do not count.
        _weth9(DEPOSIT_TOPIC, PAIR, 5, 2),
        ReceiptLog(
            address=OTHER_TOKEN,
            topics=(DEPOSIT_TOPIC, _word(HOLDER)),
            data=(9).to_bytes(32, "big"),
            log_index=3,
        ),
    ]
    assert net_transfers(logs, token=TOKEN, holder=HOLDER) == 77
    # Ending with the native coin taken from a pool and wrapped: a mint to the holder.
    logs = [
        _transfer(TOKEN, HOLDER, PAIR, 1_000_000, 0),
        _weth9(DEPOSIT_TOPIC, HOLDER, 1_000_050, 1),
    ]
    assert net_transfers(logs, token=TOKEN, holder=HOLDER) == 50


def test_a_wrapped_token_logging_both_a_mint_and_a_deposit_counts_it_once() -> None:
    zero = "0x" + "00" * 20
    logs = [
        _transfer(TOKEN, zero, HOLDER, 1_000_050, 0),
        _weth9(DEPOSIT_TOPIC, HOLDER, 1_000_050, 1),
        _transfer(TOKEN, HOLDER, zero, 400, 2),
        _weth9(WITHDRAWAL_TOPIC, HOLDER, 400, 3),
        _transfer(TOKEN, HOLDER, PAIR, 1_000_000, 4),
    ]
    assert net_transfers(logs, token=TOKEN, holder=HOLDER) == -350
    # Without the mint beside it, the same Deposit counts: WETH9 logs no Transfer.
    assert net_transfers([logs[1], logs[4]], token=TOKEN, holder=HOLDER) == 50


def _bribe(executor: str, coinbase: str, amount: int, index: int) -> ReceiptLog:
    return ReceiptLog(
        address=executor,
        topics=(BRIBE_PAID_TOPIC, _word(coinbase)),
        data=amount.to_bytes(32, "big"),
        log_index=index,
    )


def test_a_bribe_is_read_from_the_executor_log_and_the_profit_is_net_of_it() -> None:
    assert "0x" + keccak(text="BribePaid(address,uint256)").hex() == BRIBE_PAID_TOPIC
    coinbase = "0x" + "cb" * 20
    # The trade's last pair pays 1,000,077 for 1,000,000; 19 of the 77 are unwrapped and paid.
    logs = [
        _transfer(TOKEN, HOLDER, PAIR, 1_000_000, 0),
        _transfer(TOKEN, PAIR, HOLDER, 1_000_077, 1),
        _weth9(WITHDRAWAL_TOPIC, HOLDER, 19, 2),
        _bribe(HOLDER, coinbase, 19, 3),
        # The same event from another contract is not our executor's bribe.
        _bribe(PAIR, coinbase, 5, 4),
    ]
    assert net_transfers(logs, token=TOKEN, holder=HOLDER) == 77 - 19
    assert bribe_paid(logs, executor=HOLDER.upper().replace("0X", "0x")) == 19
    assert bribe_paid(logs[:3], executor=HOLDER) == 0

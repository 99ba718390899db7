"""Applying Sync and PairCreated logs: log order within a block, the last Sync wins, unknown
pairs and factories are ignored, new pairs get their DEX, fee and tokens, inputs stay untouched."""

from __future__ import annotations

from dataclasses import replace

import pytest
from eth_utils.address import to_checksum_address

from omniarb.chain_events import ChainLog
from omniarb.dex.uniswap_v2.logs import (
    PAIR_CREATED_TOPIC,
    SYNC_TOPIC,
    FactoryInfo,
    apply_v2_logs,
    decode_pair_created,
    decode_sync,
)
from omniarb.dex.uniswap_v2.pool import V2PoolState

FACTORY = "0x" + "fa" * 20
OTHER_FACTORY = "0x" + "fb" * 20
PAIR = "0x" + "a1" * 20
NEW_PAIR = "0x" + "b2" * 20
TOKEN0 = "0x" + "01" * 20
TOKEN1 = "0x" + "02" * 20
FACTORIES = {
    FACTORY: FactoryInfo(address=to_checksum_address(FACTORY), dex="uniswap-v2", fee_bps=25)
}


def word(value: int | str) -> str:
    if isinstance(value, str):
        return value.removeprefix("0x").rjust(64, "0")
    return f"{value:064x}"


def sync_log(address: str, r0: int, r1: int, *, block: int, index: int) -> ChainLog:
    return ChainLog(
        chain_id=1,
        address=address,
        topics=(SYNC_TOPIC,),
        data="0x" + word(r0) + word(r1),
        block_number=block,
        block_hash=f"0x{block:064x}",
        log_index=index,
        transaction_hash="0x" + "00" * 32,
        removed=False,
        received_ns=0,
    )


def created_log(factory: str, pair: str, *, block: int, index: int) -> ChainLog:
    return ChainLog(
        chain_id=1,
        address=factory,
        topics=(PAIR_CREATED_TOPIC, "0x" + word(TOKEN0), "0x" + word(TOKEN1)),
        data="0x" + word(pair) + word(7),
        block_number=block,
        block_hash=f"0x{block:064x}",
        log_index=index,
        transaction_hash="0x" + "00" * 32,
        removed=False,
        received_ns=0,
    )


def state(reserve0: int = 10, reserve1: int = 20, block: int = 100) -> V2PoolState:
    return V2PoolState(
        chain_id=1,
        address=to_checksum_address(PAIR),
        dex="uniswap-v2",
        factory=to_checksum_address(FACTORY),
        token0=to_checksum_address(TOKEN0),
        token1=to_checksum_address(TOKEN1),
        reserve0=reserve0,
        reserve1=reserve1,
        fee_bps=25,
        block_number=block,
    )


def test_last_sync_in_log_order_wins_whatever_the_arrival_order() -> None:
    pools = {PAIR: state()}
    logs = [
        sync_log(PAIR, 3, 4, block=101, index=9),
        sync_log(PAIR, 1, 2, block=101, index=2),
        sync_log(PAIR, 5, 6, block=101, index=5),
    ]
    result = apply_v2_logs(pools, logs, factories=FACTORIES, chain_id=1)
    assert result.changed[PAIR] == state(3, 4, 101)
    assert pools[PAIR] == state()  # the input is not touched
    assert result.created == []


def test_a_later_block_wins_over_a_higher_log_index() -> None:
    logs = [sync_log(PAIR, 7, 8, block=103, index=0), sync_log(PAIR, 1, 2, block=102, index=50)]
    result = apply_v2_logs({PAIR: state()}, logs, factories=FACTORIES, chain_id=1)
    assert result.changed[PAIR] == state(7, 8, 103)


def test_unknown_pairs_factories_and_removed_logs_change_nothing() -> None:
    removed = sync_log(PAIR, 1, 1, block=101, index=0)
    logs = [
        sync_log("0x" + "99" * 20, 1, 2, block=101, index=1),
        created_log(OTHER_FACTORY, NEW_PAIR, block=101, index=2),
        replace(removed, removed=True),
    ]
    result = apply_v2_logs({PAIR: state()}, logs, factories=FACTORIES, chain_id=1)
    assert result.changed == {}
    assert result.ignored == 2


def test_pair_created_then_synced_in_one_block() -> None:
    logs = [
        sync_log(NEW_PAIR, 1_000, 2_000, block=110, index=4),
        created_log(FACTORY, NEW_PAIR, block=110, index=1),
    ]
    result = apply_v2_logs({}, logs, factories=FACTORIES, chain_id=1)
    assert result.created == [NEW_PAIR]
    new = result.changed[NEW_PAIR]
    assert new.address == to_checksum_address(NEW_PAIR)
    assert (new.token0, new.token1) == (to_checksum_address(TOKEN0), to_checksum_address(TOKEN1))
    assert (new.dex, new.factory, new.fee_bps) == ("uniswap-v2", to_checksum_address(FACTORY), 25)
    assert (new.reserve0, new.reserve1, new.block_number) == (1_000, 2_000, 110)


def test_a_pair_already_known_is_not_created_again() -> None:
    logs = [created_log(FACTORY, PAIR, block=90, index=0)]
    result = apply_v2_logs({PAIR: state()}, logs, factories=FACTORIES, chain_id=1)
    assert result.created == []
    assert result.changed == {}


def test_decoders_refuse_malformed_logs() -> None:
    good = sync_log(PAIR, 1, 2, block=1, index=0)
    assert decode_sync(good) == (1, 2)
    with pytest.raises(ValueError, match="Sync log"):
        decode_sync(replace(good, data="0x00"))
    created = created_log(FACTORY, NEW_PAIR, block=1, index=0)
    assert decode_pair_created(created) == (TOKEN0, TOKEN1, NEW_PAIR)
    with pytest.raises(ValueError, match="topics"):
        decode_pair_created(replace(created, topics=created.topics[:2]))

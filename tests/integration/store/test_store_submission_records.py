"""Each trade's source, trigger transaction, channel, bundle hash and bribe in the history, on
SQLite and PostgreSQL: they round-trip through the store, `omniarb history --json` and the
per-chain summary; rows written before migration 0007 read as channel unknown and no bribe;
0007 adds its columns and removes them again."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from dataclasses import replace

import pytest
import sqlalchemy as sa
from _store_values import decision, execution, opportunity, outcome, trade

from omniarb.cli.main import main
from omniarb.store import HistoryStore
from omniarb.store.engine import make_engine
from omniarb.store.schema import current_revision, downgrade, upgrade
from omniarb.types import ExecutionStatus, OpportunitySource, Outcome, SubmitChannel

_PREVIOUS = "0006_stage_times"
_REVISION = "0007_submission_records"
TRIGGER = "0x" + "5e" * 32
BUNDLE = "0x" + "b0" * 32
# Past 2**64: kept exactly on both backends.
BIG_BRIBE = 2**70 + 12_345


def backrun(n: int, *, chain_id: int = 1, bribe_offered: int, bribe_paid: int) -> Outcome:
    """A settled backrun of TRIGGER sent as a bundle, which paid `bribe_paid`."""
    opp = replace(
        opportunity(n, chain_id=chain_id), source=OpportunitySource.MEMPOOL, trigger_tx=TRIGGER
    )
    sent = replace(
        execution(replace(decision(opp), bribe_wei=bribe_offered)),
        channel=SubmitChannel.BUNDLE,
        bundle_hash=BUNDLE,
    )
    return replace(outcome(sent), bribe_paid_wei=bribe_paid)


def sequenced(n: int, *, chain_id: int) -> Outcome:
    settled = trade(n, chain_id=chain_id)
    return replace(settled, execution=replace(settled.execution, channel=SubmitChannel.SEQUENCER))


async def _record(url: str, *values: object) -> None:
    async with HistoryStore.open(url) as store:
        for value in values:
            await store.record(value)  # type: ignore[arg-type]


async def test_records_round_trip_and_sum_per_chain(db_url: str) -> None:
    paid = backrun(1, bribe_offered=BIG_BRIBE + 1, bribe_paid=BIG_BRIBE)
    cheap = backrun(2, bribe_offered=7, bribe_paid=5)
    block = trade(3)
    pending = execution(decision(opportunity(4)))  # sent, not settled: nothing paid yet
    on_arbitrum = sequenced(5, chain_id=42161)
    await _record(db_url, paid, cheap, block, pending, on_arbitrum)
    async with HistoryStore.open(db_url) as store:
        trades = {t.opportunity_id: t for t in store.trades()}
        summary = {s.chain: s for s in store.summary()}
    got = trades[paid.execution.decision.opportunity.id]
    assert (got.source, got.trigger_tx) == ("mempool", TRIGGER)
    assert (got.channel, got.bundle_hash) == ("bundle", BUNDLE)
    assert (got.bribe_wei, got.bribe_paid_wei) == (BIG_BRIBE + 1, BIG_BRIBE)
    as_json = got.to_json()
    assert as_json["source"] == "mempool"
    assert as_json["trigger_tx"] == TRIGGER
    assert as_json["channel"] == "bundle"
    assert as_json["bundle_hash"] == BUNDLE
    assert as_json["bribe_wei"] == str(BIG_BRIBE + 1)
    assert as_json["bribe_paid_wei"] == str(BIG_BRIBE)
    plain = trades[block.execution.decision.opportunity.id]
    assert (plain.source, plain.trigger_tx, plain.channel, plain.bundle_hash) == (
        "block",
        None,
        "public",
        None,
    )
    assert plain.bribe_paid_wei == 0
    assert trades[pending.decision.opportunity.id].bribe_paid_wei is None
    assert trades[on_arbitrum.execution.decision.opportunity.id].channel == "sequencer"
    eth = summary["ethereum"]
    assert eth.sources == {"mempool": 2, "block": 2}
    assert eth.backruns == 2
    assert eth.channels == {"bundle": 2, "public": 2}
    assert eth.bribe_paid_wei == BIG_BRIBE + 5
    arb = summary["arbitrum"]
    assert (arb.backruns, arb.channels, arb.bribe_paid_wei) == (0, {"sequencer": 1}, 0)


async def test_an_unsettled_bundle_reloads_with_its_channel_and_hash(db_url: str) -> None:
    sent = backrun(1, bribe_offered=9, bribe_paid=0).execution
    await _record(db_url, sent)
    async with HistoryStore.open(db_url) as store:
        (reloaded,) = store.unsettled(chain_id=1)
    assert (reloaded.channel, reloaded.bundle_hash) == (SubmitChannel.BUNDLE, BUNDLE)


async def test_rows_from_before_0007_read_as_unknown_channel_and_no_bribe(db_url: str) -> None:
    in_flight = execution(decision(opportunity(2, chain_id=10)))
    await _record(db_url, backrun(1, bribe_offered=3, bribe_paid=2), in_flight)
    engine = make_engine(db_url)
    downgrade(engine, _PREVIOUS)
    upgrade(engine, "head")
    engine.dispose()
    async with HistoryStore.open(db_url) as store:
        trades = {t.chain: t for t in store.trades()}
        summary = {s.chain: s for s in store.summary()}
        (reloaded,) = store.unsettled(chain_id=10)
    old = trades["ethereum"]
    # The opportunity's source and trigger were stored before 0007 and are kept.
    assert (old.source, old.trigger_tx) == ("mempool", TRIGGER)
    assert (old.channel, old.bundle_hash, old.bribe_paid_wei) == (None, None, 0)
    assert old.bribe_wei == 3  # the decision's offer, stored since 0001
    assert summary["ethereum"].channels == {}
    assert summary["ethereum"].backruns == 1
    # An unsettled trade from before 0007 went to its node: on Optimism, the sequencer.
    assert reloaded.channel is SubmitChannel.SEQUENCER
    assert trades["optimism"].channel is None


def test_migration_0007_up_and_down_alone(db_url: str) -> None:
    engine = make_engine(db_url)

    def columns(table: str) -> set[str]:
        return {c["name"] for c in sa.inspect(engine).get_columns(table)}

    upgrade(engine, _PREVIOUS)
    assert not {"channel", "bundle_hash"} & columns("executions")
    assert "bribe_wei" not in columns("outcomes")
    upgrade(engine, _REVISION)
    assert current_revision(engine) == _REVISION
    assert {"channel", "bundle_hash"} <= columns("executions")
    assert "bribe_wei" in columns("outcomes")
    downgrade(engine, _PREVIOUS)
    assert current_revision(engine) == _PREVIOUS
    assert not {"channel", "bundle_hash"} & columns("executions")
    assert "bribe_wei" not in columns("outcomes")
    engine.dispose()


@pytest.fixture
def quiet_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    # main() installs a stderr handler on the root logger: take it away again.
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.usefixtures("quiet_root_logger")
async def test_history_json_and_table_show_source_channel_and_bribe(
    db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    await _record(
        db_url,
        backrun(1, bribe_offered=2 * 10**15, bribe_paid=10**15),
        trade(2),
        execution(decision(opportunity(3)), status=ExecutionStatus.SIMULATED),
    )
    for name in [k for k in os.environ if k.startswith("OMNIARB_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("COLUMNS", "250")
    assert main(["history", "--json", "--db", db_url]) == 0
    listed = {t["opportunity_id"]: t for t in json.loads(capsys.readouterr().out)}
    first = listed[backrun(1, bribe_offered=0, bribe_paid=0).execution.decision.opportunity.id]
    assert (first["source"], first["trigger_tx"]) == ("mempool", TRIGGER)
    assert (first["channel"], first["bundle_hash"]) == ("bundle", BUNDLE)
    assert (first["bribe_wei"], first["bribe_paid_wei"]) == (str(2 * 10**15), str(10**15))
    assert main(["history", "--db", db_url]) == 0
    out = capsys.readouterr().out
    assert "backrun" in out
    assert "bundle" in out
    assert "0.001000 ETH" in out  # the bribe paid, in the native coin
    assert f"(backrun of {TRIGGER})" in out

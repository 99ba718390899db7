"""The predictor's training rows on SQLite and PostgreSQL: each settled trade's stored feature
vector (exactly as decided, float for float) with whether it landed and its realized net USD,
in decision order; decisions of another feature version, or never sent, are not rows."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from _monitor_values import trade

from omniarb.score.features import FEATURE_VERSION, FEATURES
from omniarb.store import HistoryStore


def _with_features(outcome, vector, version=FEATURE_VERSION):  # type: ignore[no-untyped-def]
    execution = outcome.execution
    decision = replace(execution.decision, features=vector, feature_version=version)
    return replace(outcome, execution=replace(execution, decision=decision))


async def test_training_rows_round_trip_the_decision_time_features(db_url: str) -> None:
    vectors = [tuple(i + j / 7 for j in range(len(FEATURES))) for i in range(3)]
    store = HistoryStore.open(db_url)
    try:
        await store.record(_with_features(trade(0, success=True), vectors[0]))
        await store.record(_with_features(trade(1, success=False), vectors[1]))
        await store.record(_with_features(trade(2), vectors[2], version=FEATURE_VERSION + 1))
        await store.flush()
        rows = store.database.training_rows(feature_version=FEATURE_VERSION)
    finally:
        await store.close()
    assert [r.features for r in rows] == vectors[:2]
    assert [r.success for r in rows] == [True, False]
    landed, failed = rows
    # 0.01 WETH gross, 150,000 gas at 20 gwei (0.003 WETH), WETH at 3000 USD.
    assert landed.predicted_net_usd == 21.0
    assert landed.gas_cost_usd == 9.0
    assert failed.realized_net_usd < 0 < landed.realized_net_usd


async def test_the_counts_a_running_demo_polls(db_url: str) -> None:
    """`training_row_count` counts exactly the training rows; `model_scored_count` the
    decisions since a time whose p(success) is below the baseline's 1."""
    vector = tuple(0.5 for _ in FEATURES)
    store = HistoryStore.open(db_url)
    try:
        assert store.database.training_row_count(feature_version=FEATURE_VERSION) == 0
        await store.record(_with_features(trade(0, success=True), vector))
        await store.record(_with_features(trade(1, success=False), vector))
        await store.record(_with_features(trade(2), vector, version=FEATURE_VERSION + 1))
        scored = _with_features(trade(3), vector)
        decision = replace(scored.execution.decision, p_success=0.75)
        await store.record(replace(scored, execution=replace(scored.execution, decision=decision)))
        await store.flush()
        database = store.database
        rows = database.training_rows(feature_version=FEATURE_VERSION)
        count = database.training_row_count(feature_version=FEATURE_VERSION)
        since_all = database.model_scored_count(since=datetime(2000, 1, 1, tzinfo=UTC))
        since_later = database.model_scored_count(since=datetime(2999, 1, 1, tzinfo=UTC))
    finally:
        await store.close()
    assert count == len(rows) == 3
    assert (since_all, since_later) == (1, 0)

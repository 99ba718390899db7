"""The optimizer's parameter changes in the history, on SQLite and PostgreSQL: a change made
and then measured is one row holding the measurement (whatever order the two copies are
written in), values keep their type (a wei tip past 2**53 exactly), and migration 0010 adds and
removes its table."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from omniarb.optimize import ParamChange
from omniarb.store import HistoryStore
from omniarb.store.engine import make_engine
from omniarb.store.schema import current_revision, downgrade, upgrade

_PREVIOUS = "0008_rival_losses"
_REVISION = "0010_param_changes"
AT = datetime(2026, 12, 6, 14, 0, tzinfo=UTC)


def made(
    n: int, *, param: str = "bribe_share_bps", old: float = 1000, new: float = 3000
) -> ParamChange:
    return ParamChange(
        id=f"change-{n}",
        chain="ethereum",
        param=param,  # type: ignore[arg-type]
        old_value=old,
        new_value=new,
        reason="explore: bribe_share_bps=3000 has 0 of 4 rewards",
        baseline_reward_usd=0.0,
        baseline_samples=4,
        changed_at=AT + timedelta(minutes=n),
    )


def measured(change: ParamChange, effect_usd: float) -> ParamChange:
    return replace(
        change,
        effect_reward_usd=effect_usd,
        effect_samples=4,
        evaluated_at=change.changed_at + timedelta(seconds=30),
        reverted=effect_usd < 0,
    )


async def test_a_change_and_its_measurement_are_one_row(db_url: str) -> None:
    kept = made(1, old=1000, new=3000)
    tip = made(2, param="tip_wei", old=0, new=2**60 + 7)
    floor = made(3, param="min_net_profit_usd", old=0.01, new=0.03)
    async with HistoryStore.open(db_url) as store:
        await store.record(kept)
        await store.record(tip)
        await store.flush()
        await store.record(measured(kept, 2.5))
        await store.record(measured(tip, -1.0))
        # A late copy of the change as made never clears its measurement.
        await store.record(tip)
        await store.record(floor)
        await store.flush()
        changes = {c.id: c for c in store.param_changes()}
        only_eth = store.param_changes(chain="base")
    assert only_eth == []
    assert [c.id for c in changes.values()] == ["change-3", "change-2", "change-1"]
    assert changes["change-1"] == measured(kept, 2.5)
    assert changes["change-2"].new_value == 2**60 + 7
    assert changes["change-2"].reverted
    assert changes["change-2"].effect_reward_usd == -1.0
    assert changes["change-3"] == floor
    assert isinstance(changes["change-3"].new_value, float)
    assert not changes["change-3"].measured


def test_migration_0010_up_and_down_alone(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine, _PREVIOUS)
    assert "param_changes" not in sa.inspect(engine).get_table_names()
    upgrade(engine, _REVISION)
    assert current_revision(engine) == _REVISION
    assert "param_changes" in sa.inspect(engine).get_table_names()
    downgrade(engine, _PREVIOUS)
    assert "param_changes" not in sa.inspect(engine).get_table_names()
    engine.dispose()

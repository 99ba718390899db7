"""The column types: amounts up to 2**256 and UTC datetimes survive a round trip exactly."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import StatementError

from omniarb.store.engine import make_engine
from omniarb.store.models import Amount, UtcDateTime

_METADATA = MetaData()
_VALUES = Table(
    "amount_values",
    _METADATA,
    Column("id", Integer, primary_key=True),
    Column("amount", Amount),
    Column("at", UtcDateTime),
)

MAX_UINT256 = 2**256 - 1


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'types.sqlite'}")
    _METADATA.create_all(engine)
    yield engine
    engine.dispose()


@pytest.mark.parametrize(
    "amount", [0, 1, -1, 2**53 + 1, 2**63, 2**64, MAX_UINT256, -MAX_UINT256, None]
)
def test_amounts_round_trip_exactly(engine: Engine, amount: int | None) -> None:
    with engine.begin() as connection:
        connection.execute(insert(_VALUES).values(id=1, amount=amount))
        stored = connection.execute(select(_VALUES.c.amount)).scalar_one()
    assert stored == amount
    assert stored is None or type(stored) is int


@pytest.mark.parametrize("wrong", [1.0, True, "5"])
def test_only_ints_are_amounts(engine: Engine, wrong: object) -> None:
    with pytest.raises(StatementError, match="must be an int"), engine.begin() as connection:
        connection.execute(insert(_VALUES).values(id=1, amount=wrong))


def test_datetimes_come_back_in_utc(engine: Engine) -> None:
    eastern = datetime(2026, 1, 2, 3, 4, 5, 600_000, tzinfo=timezone(timedelta(hours=-5)))
    with engine.begin() as connection:
        connection.execute(insert(_VALUES).values(id=1, at=eastern))
        stored = connection.execute(select(_VALUES.c.at)).scalar_one()
    assert stored == eastern
    assert stored.tzinfo == UTC


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    with pytest.raises(StatementError, match="naive"), engine.begin() as connection:
        connection.execute(insert(_VALUES).values(id=1, at=datetime(2026, 1, 1)))

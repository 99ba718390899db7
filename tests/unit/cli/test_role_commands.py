"""The scaled-out roles refuse to start without what the cluster shares, with one clear line
and the config error's exit code; `cluster status|down` without a cluster say so."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from _servers import DEFAULT_PG_URL, DEFAULT_REDIS_URL, PG_URL_ENV, REDIS_URL_ENV
from psycopg import sql
from sqlalchemy.engine import make_url

RunCli = Callable[..., subprocess.CompletedProcess[str]]  # the `run_cli` fixture

_CONFIG_ERROR = 4
_NOT_RUNNING = 3


_ROLES = [["worker", "--chain", "polygon"], ["coordinator"], ["trainer", "--once"]]
_ROLE_IDS = ["worker", "coordinator", "trainer"]


@pytest.mark.parametrize("argv", _ROLES, ids=_ROLE_IDS)
def test_roles_need_redis(run_cli: RunCli, argv: list[str]) -> None:
    done = run_cli(*argv)
    assert done.returncode == _CONFIG_ERROR, done.stderr
    assert done.stderr.startswith("error: redis.enabled:")
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("argv", _ROLES, ids=_ROLE_IDS)
def test_roles_need_a_shared_postgresql_history(
    run_cli: RunCli, tmp_path: Path, argv: list[str]
) -> None:
    config = tmp_path / "redis.toml"
    config.write_text("[redis]\nenabled = true\n")
    done = run_cli(
        "--config",
        str(config),
        *argv,
        env={"OMNIARB_DB_URL": f"sqlite:///{tmp_path / 'history.sqlite'}"},
    )
    assert done.returncode == _CONFIG_ERROR, done.stderr
    assert "PostgreSQL" in done.stderr
    assert "sqlite:///" not in done.stderr  # the URL is a secret: named, never echoed


def test_the_coordinator_needs_cross_chain_trading(run_cli: RunCli, tmp_path: Path) -> None:
    config = tmp_path / "redis.toml"
    config.write_text("[redis]\nenabled = true\n[cross_chain]\nenabled = false\n")
    done = run_cli(
        "--config",
        str(config),
        "coordinator",
        env={"OMNIARB_DB_URL": os.environ.get(PG_URL_ENV, DEFAULT_PG_URL)},
    )
    assert done.returncode == _CONFIG_ERROR, done.stderr
    assert done.stderr.startswith("error: cross_chain.enabled:")


def test_cluster_status_and_down_without_a_cluster(run_cli: RunCli) -> None:
    status = run_cli("cluster", "status", "--json")
    assert status.returncode == _NOT_RUNNING
    assert json.loads(status.stdout) == {"running": False}
    down = run_cli("cluster", "down")
    assert down.returncode == _NOT_RUNNING
    assert "no cluster is running" in down.stderr


def test_cluster_up_refuses_an_unknown_chain(run_cli: RunCli) -> None:
    done = run_cli("cluster", "up", "--chains", "polygon,mars", "--detach")
    assert done.returncode == _CONFIG_ERROR
    assert "'mars'" in done.stderr


def test_trainer_once_without_enough_trades_saves_nothing(run_cli: RunCli, tmp_path: Path) -> None:
    """`trainer --once` against a real Redis and an empty PostgreSQL history: it announces
    itself, trains nothing and says why, with exit 1 (a CronJob run that produced no model)."""
    base = make_url(os.environ.get(PG_URL_ENV, DEFAULT_PG_URL))
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"trainer_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        config = tmp_path / "cluster.toml"
        redis_url = os.environ.get(REDIS_URL_ENV, DEFAULT_REDIS_URL)
        prefix = f"t-{uuid.uuid4().hex[:8]}:"
        config.write_text(
            f'[redis]\nenabled = true\nurl = "{redis_url}"\nkey_prefix = "{prefix}"\n'
        )
        url = base.set(database=name).render_as_string(hide_password=False)
        done = run_cli(
            "--config", str(config), "trainer", "--once", "--metrics-port", "0",
            env={"OMNIARB_DB_URL": url},
        )  # fmt: skip
    finally:
        with psycopg.connect(admin, autocommit=True) as db:
            db.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
    assert done.returncode == 1, done.stderr
    assert "error: no model saved: 0 settled trades" in done.stderr
    assert "Prometheus metrics at http://" in done.stderr

"""`omniarb history [--json]` on a seeded database in a temporary OMNIARB_HOME, in a subprocess
(the real command) and in-process for the options (also on PostgreSQL through `--db`); a missing
or empty database is an empty list, exit 0."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from _store_values import MAX_UINT256, TOKENS, decision, execution, opportunity, route, trade

from omniarb.cli.main import main
from omniarb.stage_times import STAMPS, StageTimes
from omniarb.store import HistoryStore
from omniarb.types import ExecutionStatus


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


class InProcessCli:
    """`omniarb history ...` through `main()` in this process (faster than a subprocess)."""

    def __init__(
        self, home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self._capsys = capsys
        self._monkeypatch = monkeypatch
        for name in [k for k in os.environ if k.startswith("OMNIARB_")]:
            monkeypatch.delenv(name)
        monkeypatch.setenv("OMNIARB_HOME", str(home))
        monkeypatch.setenv("COLUMNS", "200")  # rich wraps the table at the console width

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
        with self._monkeypatch.context() as patch:
            for name, value in (env or {}).items():
                patch.setenv(name, value)
            code = main(["history", *args])
        captured = self._capsys.readouterr()
        return code, captured.out, captured.err

    def json(self, *args: str, env: dict[str, str] | None = None) -> list[dict[str, Any]]:
        code, out, err = self("--json", *args, env=env)
        assert code == 0, err
        data: list[dict[str, Any]] = json.loads(out)
        return data


@pytest.fixture
def cli(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[InProcessCli]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield InProcessCli(home, capsys, monkeypatch)
    # main() installs a stderr handler on the root logger: take it away again.
    root.handlers[:] = handlers
    root.setLevel(level)


def _run(
    home: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OMNIARB_")}
    return subprocess.run(
        [sys.executable, "-m", "omniarb", "history", *args],
        env={**clean, "OMNIARB_HOME": str(home), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _json(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    assert result.returncode == 0, result.stderr
    data: list[dict[str, Any]] = json.loads(result.stdout)
    return data


async def _seed(url: str) -> None:
    async with HistoryStore.open(url) as store:
        for token in TOKENS:
            await store.record(token)
        await store.record(replace(trade(1, chain_id=1), realized_profit=MAX_UINT256))
        await store.record(trade(2, chain_id=56, success=False))
        await store.record(
            execution(decision(opportunity(3, chain_id=1)), status=ExecutionStatus.SIMULATED)
        )


def test_no_database_is_an_empty_list_and_creates_nothing(home: Path) -> None:
    result = _run(home, "--json")
    assert _json(result) == []
    assert not home.exists()
    text = _run(home)
    assert text.returncode == 0
    assert "no trades recorded yet" in text.stdout


def test_a_database_without_tables_is_an_empty_list(home: Path) -> None:
    home.mkdir()
    (home / "history.sqlite").touch()
    assert _json(_run(home, "--json")) == []


async def test_json_lists_the_seeded_trades_newest_first(home: Path) -> None:
    await _seed(f"sqlite:///{home / 'history.sqlite'}")
    trades = _json(_run(home, "--json"))
    assert [(t["chain"], t["status"]) for t in trades] == [
        ("ethereum", "simulated"),
        ("bnb", "reverted"),
        ("ethereum", "succeeded"),
    ]
    succeeded = trades[2]
    assert succeeded["realized_profit_wei"] == str(MAX_UINT256)
    assert succeeded["predicted_profit_wei"] == str(5 * 10**15)
    assert succeeded["amount_in"] == str(10**18)
    assert succeeded["route"] == ["WETH", "USDC", "WETH"]
    # Each hop with its protocol (pool kind), DEX, fee tier and pool, in route order.
    assert [
        (h["kind"], h["dex"], h["fee_pips"], h["pool"], h["symbol_in"], h["symbol_out"])
        for h in succeeded["hops"]
    ] == [
        (h.kind, h.dex, h.fee_pips, h.pool, sym_in, sym_out)
        for h, sym_in, sym_out in zip(route().hops, ["WETH", "USDC"], ["USDC", "WETH"], strict=True)
    ]
    assert succeeded["tx_hash"] == f"0x{1001:064x}"
    assert (succeeded["block_number"], succeeded["gas_used"]) == (1002, 120_000)
    assert succeeded["gas_cost_wei"] == str(120_000 * 20 * 10**9)
    assert isinstance(succeeded["net_profit_usd"], float)
    assert succeeded["touched_earlier_in_block"] is False
    assert trades[0]["tx_hash"] is None
    assert trades[0]["realized_profit_wei"] is None


async def test_filters_and_limit(cli: InProcessCli, home: Path) -> None:
    await _seed(f"sqlite:///{home / 'history.sqlite'}")
    assert [t["status"] for t in cli.json("--chain", "bnb")] == ["reverted"]
    assert [t["chain"] for t in cli.json("--chain", "1")] == ["ethereum"] * 2
    assert len(cli.json("--limit", "1")) == 1
    assert [t["block_number"] for t in cli.json("--status", "succeeded")] == [1002]
    assert cli.json("--chain", "polygon") == cli.json("--status", "dropped") == []
    code, _, err = cli("--limit", "0")
    assert code == 2
    assert "at least 1" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--chain", "nosuch"), "error: unknown chain 'nosuch' (known: ethereum, bnb,"),
        (("--chain", "999"), "error: unknown chain id 999 (known: 1 (ethereum),"),
        (("--status", "won"), "argument --status: invalid choice: 'won'"),
    ],
)
async def test_an_unknown_chain_or_status_is_named_with_exit_2(
    cli: InProcessCli, home: Path, args: tuple[str, ...], message: str
) -> None:
    await _seed(f"sqlite:///{home / 'history.sqlite'}")
    for extra in ((), ("--json",)):
        code, out, err = cli(*extra, *args)
        assert (code, out) == (2, "")
        assert message in err


async def test_table_output(cli: InProcessCli, home: Path) -> None:
    await _seed(f"sqlite:///{home / 'history.sqlite'}")
    code, out, _ = cli()
    assert code == 0
    assert "WETH→USDC→WETH" in out
    # Each trade's hops under the table: tokens, protocol, DEX, fee tier and pool.
    first, second = route().hops
    assert (
        f"1. WETH→USDC {first.kind} {first.dex} 0.3% {first.pool}  "
        f"2. USDC→WETH {second.kind} {second.dex} 0.3% {second.pool}"
    ) in out
    assert "succeeded" in out
    assert "0.005000 WETH" in out  # predicted profit in token units


async def test_db_option_and_environment_pick_the_database(
    cli: InProcessCli, db_url: str, tmp_path: Path
) -> None:
    await _seed(db_url)
    assert len(cli.json("--db", db_url)) == 3
    assert len(cli.json(env={"OMNIARB_DB_URL": db_url})) == 3
    other = f"sqlite:///{tmp_path / 'other.sqlite'}"
    # --db wins over the environment.
    assert cli.json("--db", other, env={"OMNIARB_DB_URL": db_url}) == []


async def test_an_unreachable_database_is_one_error_line(cli: InProcessCli) -> None:
    code, out, err = cli("--db", "postgresql://bot:hunter2@127.0.0.1:1/history")
    assert code == 1
    assert out == ""
    assert err.startswith("error: ")
    assert len(err.splitlines()) == 1
    assert "hunter2" not in err


async def test_a_hop_of_the_native_coin_names_the_coin(cli: InProcessCli, home: Path) -> None:
    # The route's first pool holds ETH itself, traded as WETH (a Uniswap V4 pool of the native
    # coin): the history keeps its currency, the table shows it beside the route's token.
    native = "0x0000000000000000000000000000000000000000"
    settled = trade(7, chain_id=1)
    opp = settled.execution.decision.opportunity
    first, second = opp.route.hops
    hops = (replace(first, kind="uniswap-v4", dex="uniswap-v4", currency_in=native), second)
    opp = replace(opp, route=replace(opp.route, hops=hops))
    decided = replace(settled.execution.decision, opportunity=opp)
    settled = replace(settled, execution=replace(settled.execution, decision=decided))
    async with HistoryStore.open(f"sqlite:///{home / 'history.sqlite'}") as store:
        for token in TOKENS:
            await store.record(token)
        await store.record(settled)
    (listed,) = cli.json()
    assert [(h["currency_in"], h["currency_out"]) for h in listed["hops"]] == [
        (native, None),
        (None, None),
    ]
    code, out, _ = cli()
    assert code == 0
    assert f"1. ETH(WETH)→USDC uniswap-v4 uniswap-v4 0.3% {first.pool}" in out
    assert f"2. USDC→WETH {second.kind} {second.dex} 0.3% {second.pool}" in out


async def test_json_carries_each_trade_s_stage_offsets(cli: InProcessCli, db_url: str) -> None:
    stamps = {f"{name}_ns": 10**12 + 2_000_000 * i for i, name in enumerate(STAMPS)}
    timed = trade(4, chain_id=1)
    timed = replace(timed, execution=replace(timed.execution, times=StageTimes(**stamps)))
    async with HistoryStore.open(db_url) as store:
        await store.record(timed)
        await store.record(trade(5, chain_id=1))
    listed = {t["opportunity_id"]: t for t in cli.json("--db", db_url)}
    offsets = listed[timed.execution.decision.opportunity.id]["stage_offsets_ns"]
    assert list(offsets.items()) == [(name, 2_000_000 * i) for i, name in enumerate(STAMPS)]
    assert (
        listed[trade(5, chain_id=1).execution.decision.opportunity.id]["stage_offsets_ns"] is None
    )

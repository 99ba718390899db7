"""`omniarb report`: the real command (a subprocess) renders a seeded history into one HTML file
that references nothing outside itself and holds the charts and the per-chain table."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from omniarb.cli.main import main
from omniarb.store import HistoryStore
from omniarb.types import (
    Decision,
    Execution,
    ExecutionStatus,
    Hop,
    Opportunity,
    OpportunitySource,
    Outcome,
    Route,
    Token,
)

WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
CHAINS = {1: "ethereum", 42161: "arbitrum"}


def _trade(n: int, chain_id: int, *, success: bool) -> Outcome:
    """A settled WETH→USDC→WETH trade whose size, profit and latencies vary with `n`."""
    hops = tuple(
        Hop(
            pool=f"0x{(i + 1) * 0x1111:040x}",
            dex=("uniswap-v2", "sushiswap")[i],
            kind="uniswap-v2",
            token_in=(WETH, USDC)[i],
            token_out=(USDC, WETH)[i],
            zero_for_one=i == 1,
            fee_pips=3000,
        )
        for i in range(2)
    )
    gross = (n + 1) * 10**16
    gas_cost_wei = 170_000 * 10**10
    opp = Opportunity(
        id=f"{chain_id}-{n}",
        chain_id=chain_id,
        block_number=1000 + n,
        route=Route(chain_id=chain_id, hops=hops),
        amount_in=(n + 5) * 10**18,
        amount_out=(n + 5) * 10**18 + gross,
        gross_profit=gross,
        gas_estimate=180_000,
        gas_price_wei=10**10,
        gas_cost_wei=gas_cost_wei,
        net_profit=gross - gas_cost_wei,
        net_profit_usd=(gross - gas_cost_wei) * 3000 / 10**18,
        source=OpportunitySource.BLOCK,
        detected_ns=10**12 + n * 10**9,
    )
    decision = Decision(
        opportunity=opp,
        approved=True,
        reasons=(),
        amount_in=opp.amount_in,
        min_profit=gas_cost_wei,
        p_success=1.0,
        expected_value_usd=opp.net_profit_usd,
        bribe_wei=0,
        flash_source="v2-flash-swap",
        decided_ns=opp.detected_ns + 10_000,
    )
    execution = Execution(
        decision=decision,
        status=ExecutionStatus.SUBMITTED,
        tx_hash=f"0x{chain_id:08x}{n:056x}",
        nonce=n,
        max_fee_per_gas_wei=2 * 10**10,
        priority_fee_wei=10**9,
        submitted_ns=opp.detected_ns + (1 + n % 7) * 1_000_000,
    )
    return Outcome(
        execution=execution,
        included=True,
        success=success,
        block_number=opp.block_number + 1,
        gas_used=170_000,
        effective_gas_price_wei=10**10,
        gas_cost_wei=gas_cost_wei,
        realized_profit=gross if success else 0,
        touched_earlier_in_block=False,
        confirmed_ns=execution.submitted_ns + (200 + 37 * (n % 11)) * 1_000_000,
        # Arbitrum's trades also paid an L1 data fee: 0.0001 ETH each.
        l1_fee_wei=10**14 if chain_id == 42161 else 0,
    )


async def _seed(url: str) -> None:
    async with HistoryStore.open(url) as store:
        for chain_id in CHAINS:
            await store.record(Token(chain_id=chain_id, address=WETH, symbol="WETH", decimals=18))
            await store.record(Token(chain_id=chain_id, address=USDC, symbol="USDC", decimals=6))
        for n in range(60):
            chain_id = 1 if n % 3 else 42161
            await store.record(_trade(n, chain_id, success=n % 10 != 9))


class _Collect(HTMLParser):
    """Every tag with its attributes, and the text of table cells."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.cells: list[str] = []
        self._in_cell = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_cell = tag == "td"

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._in_cell = False

    def handle_data(self, data: str) -> None:
        if self._in_cell:
            self.cells.append(data)


def _omniarb(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNIARB_")}
    env["OMNIARB_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "omniarb", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_the_report_is_self_contained_with_charts_and_chain_table(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'history.sqlite'}"
    await _seed(url)
    out = tmp_path / "out" / "report.html"
    done = _omniarb("report", "--db", url, "--out", str(out), home=tmp_path / "home")
    assert done.returncode == 0, done.stderr
    assert "60 settled trades, 2 chains" in done.stdout
    html = out.read_text(encoding="utf-8")

    # Nothing outside the file: no URL scheme that fetches, no script, no external reference.
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html, re.IGNORECASE)
    assert "http:" not in html
    assert "https:" not in html
    page = _Collect()
    page.feed(html)
    tags = [tag for tag, _ in page.tags]
    assert "script" not in tags
    assert "link" not in tags
    for _, attrs in page.tags:
        for name in ("src", "href", "xlink:href"):
            assert name not in attrs

    # Five charts: PnL, success rate, profit and two latency histograms, each with its marks.
    assert tags.count("svg") == 5
    for title in (
        "PnL (net USD, cumulative)",
        "Success rate over time",
        "Net profit per trade",
        "Detect → submit latency",
        "Submit → confirm latency",
    ):
        assert f"<title>{title}</title>" in html
    assert tags.count("polyline") >= 2 + 2  # PnL total + 2 chains, success per interval + total
    assert tags.count("rect") >= 3 * 5  # histogram bars (plus legend keys)

    # The per-chain table: 40 ethereum trades, 36 succeeded; 20 arbitrum, 18 succeeded.
    table = html[html.index('<table id="chains">') : html.index("</table>")]
    assert "ethereum (1)" in table
    assert "arbitrum (42161)" in table
    ethereum = re.search(r"<tr><td>ethereum \(1\)</td>(.*?)</tr>", table)
    assert ethereum is not None
    cells = re.findall(r"<td>(.*?)</td>", ethereum.group(1))
    assert cells[:7] == ["40", "40", "0", "40", "36", "4", "0"]
    assert cells[7] == "90.0%"
    # Realized WETH on ethereum: sum of (n+1)/100 WETH over its successful trades.
    realized = sum((n + 1) for n in range(60) if n % 3 and n % 10 != 9) / 100
    assert f"{realized:,.6f} WETH" in cells[8]
    assert cells[10] == "0.000000 native"  # no L1 data fee on Ethereum
    arbitrum = re.search(r"<tr><td>arbitrum \(42161\)</td>(.*?)</tr>", table)
    assert arbitrum is not None
    # 20 arbitrum trades, each 0.0001 ETH of L1 data fee.
    assert re.findall(r"<td>(.*?)</td>", arbitrum.group(1))[10] == "0.002000 native"
    assert "Latest trades" in html


def test_a_missing_history_is_not_found(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'none.sqlite'}"
    assert main(["report", "--db", url, "--out", str(tmp_path / "r.html")]) == 2
    assert capsys.readouterr().err.startswith("error: no history at")
    assert not (tmp_path / "r.html").exists()

"""The files under deploy/: `promtool` accepts the alerting rules and, fed planted series, sees
each of them fire with its annotation; every series the rules and the Grafana dashboard query is
one the bot exports; the dashboard is well formed.

`promtool` comes from Debian's `prometheus` package; missing, it is a failure, never a skip.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from _monitor_values import opportunity, trade

from omniarb.monitor import RULES, Metrics
from omniarb.paths import project_root
from omniarb.stage_times import STAMPS, StageTimes

DEPLOY = project_root() / "deploy"
RULES_FILE = DEPLOY / "prometheus" / "alerts.yml"
DASHBOARD = DEPLOY / "grafana" / "omniarb-dashboard.json"

_KEYWORDS = {
    "and",
    "or",
    "unless",
    "bool",
    "offset",
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "inf",
    "nan",
    "atan2",
}
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_IDENTIFIER = re.compile(r"(?<![\w.$])([A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?")


def promql_metric_names(expr: str) -> set[str]:
    """The series names a PromQL expression selects (functions, keywords, labels left out)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', '""', expr)
    text = re.sub(r"\{[^}]*\}", "", text)  # label matchers (and Grafana's $variables in them)
    text = re.sub(r"\[[^\]]*\]", "", text)  # ranges and subqueries
    text = _GROUPING.sub("", text)
    return {
        match.group(1)
        for match in _IDENTIFIER.finditer(text)
        if match.group(2) is None and match.group(1).lower() not in _KEYWORDS
    }


def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.fail("promtool not found: install Debian's prometheus package")
    return path


def rules_exprs() -> dict[str, str]:
    """alert name → expression, read with a YAML-free scan of the file's `alert:`/`expr:`."""
    text = RULES_FILE.read_text()
    exprs: dict[str, str] = {}
    blocks = re.split(r"\n\s*- alert: ", text)[1:]
    for block in blocks:
        name = block.split("\n", 1)[0].strip()
        match = re.search(r"\n(\s+)expr: (\|\n)?(.*?)\n\1labels:", block, re.DOTALL)
        assert match is not None, name
        exprs[name] = match.group(3)
    return exprs


def test_promtool_accepts_the_rules() -> None:
    done = subprocess.run(
        [promtool(), "check", "rules", str(RULES_FILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS: 6 rules found" in done.stdout


def _case(at: str, alert: str, fires: tuple[str, str, str, dict[str, str]] | None) -> Any:
    """One promtool alert test: at `at`, `alert` fires once with (rule, severity, summary,
    labels), or not at all when `fires` is None."""
    if fires is None:
        return {"eval_time": at, "alertname": alert, "exp_alerts": []}
    rule, severity, summary, labels = fires
    expected = {
        "exp_labels": {"severity": severity, "rule": rule, **labels},
        "exp_annotations": {"summary": summary},
    }
    return {"eval_time": at, "alertname": alert, "exp_alerts": [expected]}


def assert_rule_tests(
    rules: Path, series: dict[str, str], cases: list[Any], tmp_path: Path
) -> None:
    """`promtool test rules`: `series` (name → values, one a minute) fed to `rules`, whose
    alerts must fire exactly as `cases` (`_case`) say."""
    tests = {
        "rule_files": [str(rules)],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [{"series": k, "values": v} for k, v in series.items()],
                "alert_rule_test": cases,
            }
        ],
    }
    test_file = tmp_path / f"{rules.stem}_test.yml"
    test_file.write_text(json.dumps(tests))  # JSON is YAML
    done = subprocess.run(
        [promtool(), "test", "rules", str(test_file)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


def test_each_rule_fires_on_planted_series(tmp_path: Path) -> None:
    series = {
        # polygon: 2 successes and 1 revert a minute → 66.7%; ethereum all good; pre-check
        # reverts sent nothing and do not count.
        'omniarb_trade_successes_total{chain="polygon"}': "0+2x40",
        'omniarb_trade_failures_total{chain="polygon",reason="reverted"}': "0+1x40",
        'omniarb_trade_failures_total{chain="polygon",reason="precheck_revert"}': "0+9x40",
        'omniarb_trade_successes_total{chain="ethereum"}': "0+3x40",
        'omniarb_trade_failures_total{chain="ethereum",reason="reverted"}': "0x40",
        # $1 a minute for 2 hours, up since time 0.
        "omniarb_start_time_seconds": "0x130",
        'omniarb_profit_usd_total{chain="polygon"}': "0+1x130",
        'omniarb_loss_usd_total{chain="polygon"}': "0x130",
        'omniarb_errors_total{component="track",kind="RpcTransportError"}': "0 0 0 1 1 1",
        'omniarb_price_outliers_total{chain="bnb"}': "0 0 2 2 2",
        'omniarb_breaker_open{scope="global"}': "0 0 1 1",
        # 30 failed auths a minute from minute 5 on (10 a minute before: below the burst).
        'omniarb_api_auth_failures_total{reason="invalid"}': "0+10x5 80+30x10",
    }
    success = "polygon: success rate 66.67% over 15 minutes (alert below 95%)"
    market = "bnb: 2 price moves beyond 4 standard deviations in 5 minutes"
    breaker = "Circuit breaker global is open: trading is stopped until it is reset"
    cases = [
        _case("20m", "OmniarbSuccessRateLow",
              ("success_rate", "warning", success, {"chain": "polygon"})),
        _case("5m", "OmniarbSuccessRateLow", None),  # fewer than 20 trades: not judged
        _case("50m", "OmniarbProfitRateLow", None),  # up less than an hour: not judged
        _case("90m", "OmniarbProfitRateLow",
              ("profit_rate", "warning", "Profit rate $60.00/hour (alert below $1,000/hour)", {})),
        _case("4m", "OmniarbSystemErrors", ("system_error", "warning",
              "track: 1 system errors in 5 minutes", {"component": "track"})),
        _case("3m", "OmniarbUnusualMarketMove",
              ("market_move", "warning", market, {"chain": "bnb"})),
        _case("1m", "OmniarbCircuitBreakerOpen", None),
        _case("3m", "OmniarbCircuitBreakerOpen",
              ("breaker_trip", "critical", breaker, {"scope": "global"})),
        _case("3m", "OmniarbApiAuthFailures", None),
        _case("8m", "OmniarbApiAuthFailures",
              ("api_auth_failures", "warning", "API: 30 failed authentications in 1 minute", {})),
    ]  # fmt: skip
    assert_rule_tests(RULES_FILE, series, cases, tmp_path)


def _all_stamped() -> StageTimes:
    return StageTimes(**{f"{name}_ns": 10**9 + 10**6 * i for i, name in enumerate(STAMPS)})


def test_the_exposition_passes_promtool_s_lint() -> None:
    metrics = Metrics(chains=["ethereum"])
    metrics.observe_opportunity(opportunity())
    sent = trade()
    metrics.observe_execution(replace(sent.execution, times=_all_stamped()))
    metrics.observe_outcome(sent)
    metrics.observe_rpc("ethereum", "eth_call", 0.01)
    done = subprocess.run(
        [promtool(), "check", "metrics"], input=metrics.render(), capture_output=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout + done.stderr == b""


def test_the_rules_are_the_in_process_rules() -> None:
    labels = re.findall(r"\n\s+rule: (\w+)", RULES_FILE.read_text())
    assert sorted(labels) == sorted(RULES)


def test_the_metric_name_parser() -> None:
    expr = (
        'histogram_quantile(0.95, sum by (le, chain) (rate(a_bucket{chain=~"$chain",x="b c"}'
        "[$__rate_interval]))) / on () group_left(z) (b_total offset 5m) > bool 1e3 and c:d"
    )
    assert promql_metric_names(expr) == {"a_bucket", "b_total", "c:d"}


def test_rules_query_only_exported_series() -> None:
    exported = Metrics().series_names()
    exprs = rules_exprs()
    assert len(exprs) == 6
    used = set().union(*(promql_metric_names(e) for e in exprs.values()))
    assert used - exported == set()
    assert len(used) >= 6


def _panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    flat = []
    for panel in dashboard["panels"]:
        flat.append(panel)
        flat.extend(panel.get("panels", []))
    return flat


def test_the_dashboard_queries_only_exported_series() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    exported = Metrics().series_names()
    used: set[str] = set()
    for panel in _panels(dashboard):
        for target in panel.get("targets", []):
            used |= promql_metric_names(target["expr"])
    for variable in dashboard["templating"]["list"]:
        query = variable.get("query")
        if isinstance(query, dict):
            match = re.fullmatch(r"label_values\((\w+),\s*(\w+)\)", query["query"])
            assert match is not None, query
            used.add(match.group(1))
    assert used - exported == set()
    # The figures are all on the board.
    for name in (
        "omniarb_execution_seconds_bucket",
        "omniarb_trade_profit_usd_bucket",
        "omniarb_trade_successes_total",
        "omniarb_trade_failures_total",
        "omniarb_gas_used_bucket",
        "omniarb_gas_price_gwei",
        "omniarb_slippage_bps_bucket",
        "omniarb_rpc_latency_seconds_bucket",
        "omniarb_block_lag_blocks",
        "omniarb_queue_depth",
        "omniarb_opportunities_total",
        "omniarb_breaker_open",
        "omniarb_alerts_total",
        "omniarb_live_stage_seconds_bucket",
    ):
        assert name in used, name


def test_the_dashboard_is_well_formed() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] == "omniarb-overview"
    panels = _panels(dashboard)
    ids = [panel["id"] for panel in panels]
    assert len(ids) == len(set(ids))
    variables = {v["name"] for v in dashboard["templating"]["list"]}
    assert variables == {"datasource", "chain"}
    cells: set[tuple[int, int]] = set()
    for panel in panels:
        grid = panel["gridPos"]
        assert grid["x"] >= 0, panel["title"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        area = {
            (x, y)
            for x in range(grid["x"], grid["x"] + grid["w"])
            for y in range(grid["y"], grid["y"] + grid["h"])
        }
        assert not area & cells, f"{panel['title']} overlaps another panel"
        cells |= area
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        assert panel["targets"], panel["title"]
        refs = [t["refId"] for t in panel["targets"]]
        assert len(refs) == len(set(refs))

"""deploy/prometheus/cluster-alerts.yml: `promtool` accepts the bus's alerting rules, each fires
on planted series and stays quiet below its threshold, and they query only series the bus
exports (`BusMetrics`). `promtool` comes from Debian's `prometheus` package (a failure when
missing, never a skip)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import yaml
from test_prometheus_files import (
    DEPLOY,
    _case,
    assert_rule_tests,
    promql_metric_names,
    promtool,
)

from omniarb.bus.bus_metrics import BusMetrics

RULES_FILE = DEPLOY / "prometheus" / "cluster-alerts.yml"


def _exprs() -> list[str]:
    groups = yaml.safe_load(RULES_FILE.read_text())["groups"]
    return [rule["expr"] for group in groups for rule in group["rules"]]


def test_promtool_accepts_the_cluster_rules() -> None:
    done = subprocess.run(
        [promtool(), "check", "rules", str(RULES_FILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 rules found" in done.stdout


def test_the_cluster_rules_query_only_bus_series() -> None:
    # Every series a scrape can hold, sampled yet or not (counters end in `_total`).
    suffixes = {"counter": "_total"}
    exported = {
        family.name + suffixes.get(family.type, "") for family in BusMetrics().registry.collect()
    }
    used = set().union(*(promql_metric_names(e) for e in _exprs()))
    assert used, _exprs()
    assert used - exported == set()


def test_each_cluster_rule_fires_on_planted_series(tmp_path: Path) -> None:
    events = 'stream="events",group="api-a"'
    pools = 'stream="pools",group="coordinator"'
    series = {
        # The api group's oldest unacknowledged entry ages from minute 3 on; the coordinator's
        # backlog stays under the threshold.
        f"omniarb_bus_oldest_pending_age_seconds{{{events}}}": "0 0 0 60 120 180 240 300 360",
        f"omniarb_bus_backlog{{{pools}}}": "0 50 9000 9000 9000 9000 9000 9000 9000",
        f"omniarb_bus_dead_lettered_total{{{pools}}}": "0 0 0 1 1 1 1 1 1",
        # Redis away from minute 1: the outbox holds events until minute 8.
        'omniarb_bus_outbox_events{pod="omniarb-worker-ethereum-0"}': "0 12 40 80 80 80 80 90 0",
    }
    outbox = "omniarb-worker-ethereum-0: 80 bus events waiting for Redis for 5 minutes"
    cases: list[Any] = [
        _case("4m", "OmniarbBusBacklog", None),  # over the threshold, not yet for 2 minutes
        _case("7m", "OmniarbBusBacklog", ("bus_backlog", "warning",
              "Bus events/api-a is not keeping up", {"stream": "events", "group": "api-a"})),
        _case("2m", "OmniarbBusDeadLetters", None),
        _case("4m", "OmniarbBusDeadLetters", ("bus_dead_letter", "warning",
              "Bus pools/coordinator: 1 entries dead-lettered in 10 minutes",
              {"stream": "pools", "group": "coordinator"})),
        _case("4m", "OmniarbBusOutboxHolding", None),
        _case("6m", "OmniarbBusOutboxHolding", ("bus_outbox", "critical", outbox,
              {"pod": "omniarb-worker-ethereum-0"})),
    ]  # fmt: skip
    assert_rule_tests(RULES_FILE, series, cases, tmp_path)

"""Prometheus metrics of the bot: one `Metrics` object over a private registry, fed our values.

The engine hands `observe_*` the pipeline values as they pass (`Opportunity`, `Decision`,
`Execution`, `Outcome`) and a few plain figures (RPC timings, block lag, queue depths); the
methods only update counters, gauges and histograms, so they are cheap and never raise on odd
input. `render()` gives the text exposition format for `/metrics` (any HTTP server can serve
it), and `registry` lets the InfluxDB sink read the same figures.

The registry is private to the object (never prometheus-client's global `REGISTRY`): two bots,
or two tests, in one process do not share counters. Every series name starts with `omniarb_`;
`deploy/prometheus/alerts.yml` and `deploy/grafana/omniarb-dashboard.json` query these names,
and a test checks that they exist.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest

from omniarb.chains.fee_models import FeeQuote
from omniarb.chains.rpc import EndpointHealth
from omniarb.chains.spec import chain_by_id
from omniarb.errors import NotFoundError
from omniarb.monitor.alert_metrics import AlertMetrics
from omniarb.monitor.api_metrics import ApiMetrics
from omniarb.monitor.bridge_metrics import BridgeMetrics
from omniarb.monitor.chain_health import ChainHealthMetrics
from omniarb.monitor.cross_chain_metrics import CrossChainMetrics
from omniarb.monitor.fee_metrics import FeeMetrics
from omniarb.monitor.hedge_metrics import HedgeMetrics
from omniarb.monitor.loop_lag import LoopLagMetrics
from omniarb.monitor.pending_metrics import PendingMetrics
from omniarb.monitor.precheck_metrics import PrecheckMetrics
from omniarb.monitor.reorg_metrics import ReorgMetrics
from omniarb.monitor.rpc_series import RpcSeries
from omniarb.monitor.stage_metrics import StageMetrics
from omniarb.monitor.submission_metrics import SubmissionMetrics
from omniarb.types import Decision, Execution, ExecutionStatus, Opportunity, Outcome

__all__ = ["FAILURE_REASONS", "SETTLED_FAILURES", "Metrics", "chain_name"]

# Why a trade did not succeed; a fixed set, so label cardinality stays bounded.
FAILURE_REASONS = ("reverted", "dropped", "cancelled", "send_failed", "precheck_revert")
# The failures of trades that reached the chain: the success rate's denominator (a pre-check
# revert is the simulation doing its job, and a send failure is a system error instead).
SETTLED_FAILURES = ("reverted", "dropped", "cancelled")

# What `generate_latest` writes: the text format every Prometheus version scrapes.
_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_NS = 1e9
_GWEI = 1e9
_LATENCY_S = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
_EXECUTION_S = (0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120)
_PROFIT_USD = (-1000, -100, -10, -1, 0, 1, 10, 100, 1000, 10_000)
_GAS_USED = (50_000, 100_000, 150_000, 200_000, 300_000, 500_000, 750_000, 1_000_000, 2_000_000)
_GAS_GWEI = (0.001, 0.01, 0.1, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500)
_SLIPPAGE_BPS = (-100, -50, -20, -10, -5, -2, -1, -0.1, 0, 0.1, 1, 2, 5, 10, 20, 50, 100)


def chain_name(chain_id: int) -> str:
    """The chain's name for labels; `chain-<id>` for a chain the specs do not know."""
    try:
        return chain_by_id(chain_id).name
    except NotFoundError:
        return f"chain-{chain_id}"


class Metrics:
    """The bot's Prometheus series. `chains` pre-creates each chain's counters at zero, so a
    ratio such as the success rate exists from the first scrape."""

    def __init__(self, *, chains: Sequence[str] = ()) -> None:
        r = self.registry = CollectorRegistry(auto_describe=True)
        self._signed: set[str] = set()
        chain, chain_stage = ("chain",), ("chain", "stage")
        self.start_time = Gauge(
            "omniarb_start_time_seconds", "Unix time the bot started", registry=r
        )
        self.opportunities = Counter(
            "omniarb_opportunities_total", "Opportunities detected", ("chain", "source"), registry=r
        )
        self.opportunity_profit = self._histogram(
            "omniarb_opportunity_profit_usd",
            "Predicted net profit per opportunity (USD)",
            chain,
            buckets=_PROFIT_USD,
            registry=r,
        )
        self.decisions = Counter(
            "omniarb_decisions_total", "Decisions by verdict", ("chain", "verdict"), registry=r
        )
        self.executions = Counter(
            "omniarb_executions_total", "Executions by status", ("chain", "status"), registry=r
        )
        self.successes = Counter(
            "omniarb_trade_successes_total", "Trades that succeeded on chain", chain, registry=r
        )
        self.failures = Counter(
            "omniarb_trade_failures_total",
            "Trades that failed, by reason",
            ("chain", "reason"),
            registry=r,
        )
        self.replacements = Counter(
            "omniarb_tx_replacements_total",
            "Transactions sent at a stuck or lost nonce of ours, by reason (reprice, cancel, gap)",
            ("chain", "reason"),
            registry=r,
        )
        self.execution_time = self._histogram(
            "omniarb_execution_seconds",
            "Detection to confirmation, per transaction",
            chain,
            buckets=_EXECUTION_S,
            registry=r,
        )
        self.stage_latency = self._histogram(
            "omniarb_stage_latency_seconds",
            "Pipeline latency per stage: detect (block seen → found), submit (found → sent), "
            "confirm (sent → receipt)",
            chain_stage,
            buckets=_LATENCY_S,
            registry=r,
        )
        self.trade_profit = self._histogram(
            "omniarb_trade_profit_usd",
            "Realized net profit per transaction (USD, after gas)",
            chain,
            buckets=_PROFIT_USD,
            registry=r,
        )
        # Two counters rather than one signed figure: counters must not go down, and rate()
        # on both survives restarts.
        self.profit_usd = Counter(
            "omniarb_profit_usd_total",
            "Sum of positive realized net profits (USD)",
            chain,
            registry=r,
        )
        self.loss_usd = Counter(
            "omniarb_loss_usd_total",
            "Sum of realized net losses (USD, positive)",
            chain,
            registry=r,
        )
        self.gas_used = self._histogram(
            "omniarb_gas_used", "Gas used per transaction", chain, buckets=_GAS_USED, registry=r
        )
        self.effective_gas_price = self._histogram(
            "omniarb_effective_gas_price_gwei",
            "Effective gas price paid per transaction (gwei)",
            chain,
            buckets=_GAS_GWEI,
            registry=r,
        )
        self.gas_price = Gauge(
            "omniarb_gas_price_gwei",
            "Gas price the detector last priced with (gwei)",
            chain,
            registry=r,
        )
        self.slippage = self._histogram(
            "omniarb_slippage_bps",
            "Realized minus predicted profit, in basis points of the amount in",
            chain,
            buckets=_SLIPPAGE_BPS,
            registry=r,
        )
        self.rpc = RpcSeries(r, latency_s=_LATENCY_S)
        self.head_block = Gauge("omniarb_head_block", "Newest block seen", chain, registry=r)
        self.block_lag = Gauge(
            "omniarb_block_lag_blocks", "Chain head minus the block processed", chain, registry=r
        )
        self.queue_depth = Gauge(
            "omniarb_queue_depth", "Items waiting in a pipeline queue", chain_stage, registry=r
        )
        self.queue_dropped = Counter(
            "omniarb_queue_dropped_total", "Items a full queue dropped", chain_stage, registry=r
        )
        self.errors = Counter(
            "omniarb_errors_total", "System errors", ("component", "kind"), registry=r
        )
        self.price_zscore = Gauge(
            "omniarb_price_move_zscore", "Largest |z| of the last price moves", chain, registry=r
        )
        self.price_outliers = Counter(
            "omniarb_price_outliers_total",
            "Price moves beyond the z-score threshold",
            chain,
            registry=r,
        )
        self.alerting = AlertMetrics(r)
        self.api = ApiMetrics(r)
        self.reorgs = ReorgMetrics(r, chains=chains)
        self.health = ChainHealthMetrics(r, chains=chains)
        self.fees = FeeMetrics(r, chains=chains)
        self.cross_chain = CrossChainMetrics(r)
        self.hedge = HedgeMetrics(r)
        self.bridges = BridgeMetrics(r)
        self.stages = StageMetrics(r, chains=chains)
        self.loop_lag = LoopLagMetrics(r)
        self.precheck = PrecheckMetrics(r, chains=chains)
        self.pending = PendingMetrics(r, chains=chains)
        self.submission = SubmissionMetrics(r, chains=chains)
        self.start_time.set(time.time())
        for name in chains:
            self.successes.labels(name)
            for reason in FAILURE_REASONS:
                self.failures.labels(name, reason)
            self.profit_usd.labels(name)
            self.loss_usd.labels(name)

    def _histogram(
        self,
        name: str,
        documentation: str,
        labelnames: Sequence[str],
        *,
        buckets: Sequence[float],
        registry: CollectorRegistry,
    ) -> Histogram:
        # A histogram that can observe negative values has no `_sum` series (it would not be a
        # counter); remember which, so `series_names` tells the truth.
        if buckets[0] < 0:
            self._signed.add(name)
        return Histogram(name, documentation, labelnames, buckets=buckets, registry=registry)

    # -- pipeline values -------------------------------------------------------------------

    def observe_opportunity(self, opportunity: Opportunity, *, received_ns: int = 0) -> None:
        """One detected opportunity; `received_ns` is when its block was seen (0: unknown)."""
        chain = chain_name(opportunity.chain_id)
        self.opportunities.labels(chain, str(opportunity.source)).inc()
        self.opportunity_profit.labels(chain).observe(opportunity.net_profit_usd)
        self.gas_price.labels(chain).set(opportunity.gas_price_wei / _GWEI)
        self._latency(chain, "detect", received_ns, opportunity.detected_ns)

    def observe_decision(self, decision: Decision) -> None:
        verdict = "approved" if decision.approved else "declined"
        self.decisions.labels(chain_name(decision.opportunity.chain_id), verdict).inc()

    def observe_execution(self, execution: Execution) -> None:
        """One execution: its status, and a failure when it could not be sent or was refused."""
        opportunity = execution.decision.opportunity
        chain = chain_name(opportunity.chain_id)
        self.executions.labels(chain, str(execution.status)).inc()
        if execution.status is ExecutionStatus.REJECTED:
            self.failures.labels(chain, "precheck_revert").inc()
            self.precheck.observe_rejection(chain, execution.error)
        elif execution.status is ExecutionStatus.FAILED:
            self.failures.labels(chain, "send_failed").inc()
        elif execution.status is ExecutionStatus.SUBMITTED:
            self._latency(chain, "submit", opportunity.detected_ns, execution.submitted_ns)
            self.stages.observe(chain, execution.times)
            self.submission.observe_sent(chain, execution)

    def observe_outcome(self, outcome: Outcome) -> float:
        """One settled trade; returns its realized net profit in USD (after gas)."""
        execution = outcome.execution
        decision = execution.decision
        opportunity = decision.opportunity
        # Imported here: `omniarb.track` pulls in the executor, and the store imports this
        # package for its `Alert` value; the history must not depend on the execution layer.

        chain = chain_name(opportunity.chain_id)
        if outcome.success:
            self.successes.labels(chain).inc()
        else:
            reason = (
                "cancelled" if outcome.cancelled else "reverted" if outcome.included else "dropped"
            )
            self.failures.labels(chain, reason).inc()
        for replacement in outcome.replacements:
            self.replacements.labels(chain, str(replacement.reason)).inc()
        net_usd = outcome.realized_net_usd()
        self.trade_profit.labels(chain).observe(net_usd)
        # Both series exist once a chain has traded: a difference of the two is never empty.
        self.profit_usd.labels(chain).inc(max(net_usd, 0.0))
        self.loss_usd.labels(chain).inc(max(-net_usd, 0.0))
        if outcome.included:
            self.gas_used.labels(chain).observe(outcome.gas_used)
            self.effective_gas_price.labels(chain).observe(outcome.effective_gas_price_wei / _GWEI)
            self.fees.observe_paid(chain, outcome.l1_fee_wei)
            self.submission.observe_settled(chain, outcome)
        if outcome.success and decision.amount_in > 0:
            slippage_bps = (outcome.realized_profit - decision.expected_profit) * 10_000
            self.slippage.labels(chain).observe(slippage_bps / decision.amount_in)
        self._latency(chain, "confirm", execution.submitted_ns, outcome.confirmed_ns)
        if 0 < opportunity.detected_ns <= outcome.confirmed_ns:
            seconds = (outcome.confirmed_ns - opportunity.detected_ns) / _NS
            self.execution_time.labels(chain).observe(seconds)
        return net_usd

    # -- plain figures -----------------------------------------------------------------------

    def observe_rpc(
        self, chain: str, method: str, duration_s: float, *, error: str | None = None
    ) -> None:
        """One JSON-RPC call (a batch counts as method `batch`); `error` names its failure kind."""
        self.rpc.observe(chain, method, duration_s, error=error)

    def observe_rpc_endpoint(self, chain: str, health: EndpointHealth) -> None:
        """One endpoint's state, as the RPC client's failover layer last saw it."""
        self.rpc.observe_endpoint(chain, health)

    def observe_block(self, chain: str, *, head_block: int, processed_block: int) -> None:
        """The chain's head and the block the pipeline last processed."""
        self.head_block.labels(chain).set(head_block)
        self.block_lag.labels(chain).set(max(0, head_block - processed_block))

    def observe_fees(self, chain: str, quote: FeeQuote) -> None:
        """The chain's fee quote, refreshed for a new block."""
        self.fees.observe_quote(chain, quote)

    def set_queue_depth(self, chain: str, stage: str, depth: int) -> None:
        self.queue_depth.labels(chain, stage).set(depth)

    def observe_queue_drop(self, chain: str, stage: str, count: int = 1) -> None:
        self.queue_dropped.labels(chain, stage).inc(count)

    def observe_error(self, component: str, kind: str) -> None:
        """A system error: `component` (execute, track, store...) and the error's class name."""
        self.errors.labels(component, kind).inc()

    def observe_price_move(self, chain: str, zscore: float, *, outliers: int = 0) -> None:
        """The largest |z| of a chain's latest price moves, and how many were beyond the limit."""
        self.price_zscore.labels(chain).set(abs(zscore))
        if outliers:
            self.price_outliers.labels(chain).inc(outliers)

    def set_breaker(self, scope: str, *, is_open: bool, trip_reason: str | None = None) -> None:
        """The breaker's state; `trip_reason` counts a trip."""
        self.alerting.set_breaker(scope, is_open=is_open, trip_reason=trip_reason)

    def observe_alert(self, rule: str, severity: str, *, suppressed: str | None = None) -> None:
        """An alert raised; `suppressed` ("duplicate", "rate_limited") when it is not sent."""
        self.alerting.observe_alert(rule, severity, suppressed=suppressed)

    def observe_alert_delivery(self, sink: str, *, ok: bool) -> None:
        self.alerting.observe_delivery(sink, ok=ok)

    # -- exposition --------------------------------------------------------------------------

    @property
    def content_type(self) -> str:
        """The `Content-Type` of `render()` (Prometheus text format 0.0.4, which every
        Prometheus version scrapes)."""
        return _CONTENT_TYPE

    def series_names(self) -> frozenset[str]:
        """Every series name a scrape can contain (counters with `_total`, histograms with
        `_bucket`, `_sum`, `_count`), whether or not a sample exists yet: what a dashboard or
        an alerting rule may query."""
        suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count")}
        return frozenset(
            family.name + suffix
            for family in self.registry.collect()
            for suffix in suffixes.get(family.type, ("",))
            if not (suffix == "_sum" and family.name in self._signed)
        )

    def render(self) -> bytes:
        """Every series in the text exposition format, for `GET /metrics`."""
        return generate_latest(self.registry)

    def _latency(self, chain: str, stage: str, start_ns: int, end_ns: int) -> None:
        # An unset stamp is 0: no sample rather than a nonsense one.
        if 0 < start_ns <= end_ns:
            self.stage_latency.labels(chain, stage).observe((end_ns - start_ns) / _NS)

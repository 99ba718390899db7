"""`Monitor`: the engine's one monitoring hook — metrics, alert rules, breaker events, alerts and
the InfluxDB sink behind a handful of synchronous calls.

The engine calls one method per value as it passes (`opportunity`, `decision`, `execution`,
`outcome`, `pool_update`, `error`); each updates the metrics, feeds the rules and publishes
what they raise, without awaiting anything, so the hot path pays microseconds. `run()` is the
monitor's task (in the engine's TaskGroup): it evaluates the windowed rules every
`evaluate_every_s`, stores and delivers alerts, and feeds InfluxDB. `close()` flushes it all.

    monitor = Monitor.from_settings(settings.monitor, secrets, recorder=store, chains=names)
    breaker.subscribe(monitor.breaker_event)
    tasks.create_task(monitor.run())
    ...
    monitor.outcome(outcome)
    ...
    await monitor.close()
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence

from omniarb.config import MonitorSettings, Secrets
from omniarb.monitor.alert_rules import AlertRuleSet, breaker_alert
from omniarb.monitor.alert_sinks import LogSink, SlackSink, TelegramSink, WebhookSink
from omniarb.monitor.alerts import Alert, AlertManager, AlertRecorder, AlertSink
from omniarb.monitor.api_metrics import ApiIntrusion, AuthFailureRule
from omniarb.monitor.influx import InfluxSink
from omniarb.monitor.loop_lag import LoopLagMonitor
from omniarb.monitor.metrics import Metrics, chain_name
from omniarb.risk.breaker import BreakerTrip
from omniarb.types import Decision, Execution, ExecutionStatus, Opportunity, Outcome, PoolUpdate

__all__ = ["Monitor", "alert_sinks_from_settings"]

log = logging.getLogger(__name__)


def alert_sinks_from_settings(settings: MonitorSettings, secrets: Secrets) -> list[AlertSink]:
    """The sinks the settings and the environment turn on (log, webhook, Slack, Telegram)."""
    alerts = settings.alerts
    sinks: list[AlertSink] = []
    if alerts.log:
        sinks.append(LogSink())
    if alerts.webhook_url:
        sinks.append(WebhookSink(alerts.webhook_url))
    if secrets.slack_webhook_url is not None:
        sinks.append(SlackSink(secrets.slack_webhook_url.get_secret_value()))
    token, chat = secrets.telegram_bot_token, secrets.telegram_chat_id
    if token is not None and chat is not None:
        sinks.append(
            TelegramSink(
                token.get_secret_value(),
                chat.get_secret_value(),
                api_url=alerts.telegram_api_url,
            )
        )
    elif token is not None or chat is not None:
        log.warning(
            "Telegram alerts need both OMNIARB_TELEGRAM_BOT_TOKEN and OMNIARB_TELEGRAM_CHAT_ID"
        )
    return sinks


class Monitor:
    """Feeds metrics and alert rules from pipeline values; publishes alerts and breaker events."""

    def __init__(
        self,
        *,
        metrics: Metrics,
        alerts: AlertManager,
        rules: AlertRuleSet | None,
        influx: InfluxSink | None = None,
        evaluate_every_s: float = 10.0,
        auth_failures: AuthFailureRule | None = None,
    ) -> None:
        self.metrics = metrics
        self.alerts = alerts
        # What the API reports failed auths and rate limits to (`ApiState.intrusion`).
        self.api_intrusion = ApiIntrusion(metrics.api, rule=auth_failures, publish=alerts.publish)
        self._rules = rules
        self._influx = influx
        self._evaluate_every_s = evaluate_every_s
        # Started with the monitor's task, so the loop is measured wherever the engine runs.
        self.loop_lag = LoopLagMonitor(metrics.loop_lag)

    @classmethod
    def from_settings(
        cls,
        settings: MonitorSettings,
        secrets: Secrets,
        *,
        recorder: AlertRecorder | None = None,
        chains: Sequence[str] = (),
        extra_sinks: Sequence[AlertSink] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> Monitor:
        """The monitor `[monitor]` describes; alerts are stored through `recorder` and sent to
        the configured sinks plus `extra_sinks` (e.g. the API's live feed)."""
        metrics = Metrics(chains=chains)
        config = settings.alerts
        manager = AlertManager(
            sinks=[*alert_sinks_from_settings(settings, secrets), *extra_sinks]
            if config.enabled
            else (),
            recorder=recorder,
            metrics=metrics,
            dedup_window_s=config.dedup_window_s,
            rate_limit_count=config.rate_limit_count,
            rate_limit_window_s=config.rate_limit_window_s,
            clock=clock,
        )
        influx = None
        if settings.influx.enabled:
            influx = InfluxSink(
                url=settings.influx.url,
                database=settings.influx.database,
                registry=metrics.registry,
                interval_s=settings.influx.interval_s,
                batch_lines=settings.influx.batch_lines,
            )
        return cls(
            metrics=metrics,
            alerts=manager,
            rules=AlertRuleSet.from_settings(config, clock=clock) if config.enabled else None,
            influx=influx,
            evaluate_every_s=config.evaluate_every_s,
            auth_failures=AuthFailureRule(
                count=config.auth_failure_count, window_s=config.auth_failure_window_s, clock=clock
            )
            if config.enabled
            else None,
        )

    # -- the engine's hooks (synchronous, cheap) ---------------------------------------------

    def opportunity(self, opportunity: Opportunity, *, received_ns: int = 0) -> None:
        self.metrics.observe_opportunity(opportunity, received_ns=received_ns)

    def decision(self, decision: Decision) -> None:
        self.metrics.observe_decision(decision)

    def execution(self, execution: Execution) -> None:
        """An execution; one that could not be sent is also a system error."""
        self.metrics.observe_execution(execution)
        if execution.status is ExecutionStatus.FAILED:
            chain = chain_name(execution.decision.opportunity.chain_id)
            self.error("execute", execution.error or "send failed", chain=chain)

    def outcome(self, outcome: Outcome) -> float:
        """A settled trade; returns its realized net USD (what a breaker or the API may want)."""
        net_usd = self.metrics.observe_outcome(outcome)
        chain = chain_name(outcome.execution.decision.opportunity.chain_id)
        if self._rules is not None:
            self._rules.success_rate.record(chain, success=outcome.success)
            self._rules.profit_rate.record(net_usd)
        if self._influx is not None:
            self._influx.add(
                "omniarb_trade",
                tags={"chain": chain, "result": "success" if outcome.success else "failure"},
                fields={
                    "net_profit_usd": net_usd,
                    "realized_profit": str(outcome.realized_profit),
                    "gas_used": outcome.gas_used,
                    "tx_hash": outcome.execution.tx_hash or "",
                },
            )
        return net_usd

    def trade_corrected(self, before: Outcome, after: Outcome, result: str) -> float:
        """A reorg rewrote a settled trade: `before` is taken back (`ReorgMetrics.take_back`),
        `after` counted as any outcome; returns `after`'s realized net USD."""
        chain = chain_name(before.execution.decision.opportunity.chain_id)
        self.metrics.reorgs.take_back(chain, before)
        self.metrics.reorgs.reorged(chain, result)
        return self.metrics.observe_outcome(after)

    def pool_update(self, update: PoolUpdate) -> None:
        """Price moves of the pools an update changed (token1 per token0, `spot_price`), each
        kept under its `state_key`: the pairs of one Balancer pool share an address, not a price."""
        if self._rules is None:
            return
        chain = chain_name(update.chain_id)
        largest = 0.0
        outliers = 0
        for pool in update.pools:
            price = pool.spot_price()
            if price is None:
                continue
            move, alerts = self._rules.market_moves.observe(chain, pool.state_key, price)
            if move is not None:
                largest = max(largest, abs(move.zscore))
            outliers += len(alerts)
            self._publish(alerts)
        self.metrics.observe_price_move(chain, largest, outliers=outliers)

    def error(
        self, component: str, error: BaseException | str, *, chain: str | None = None
    ) -> None:
        """A system error in `component` (execute, track, state, store, rpc...)."""
        kind = type(error).__name__ if isinstance(error, BaseException) else "error"
        self.metrics.observe_error(component, kind)
        if chain is not None:
            self.metrics.health.observe_stage_error(chain, component)
        if self._rules is not None:
            self._publish(self._rules.system_errors.record(component, error, chain=chain))

    def breaker_event(self, trip: BreakerTrip) -> None:
        """A breaker listener: stores each trip and reset; a trip also raises an alert."""
        is_open = trip.reset_at is None
        reason = str(trip.reason) if is_open else None
        self.metrics.set_breaker(trip.scope, is_open=is_open, trip_reason=reason)
        self.alerts.record(trip)
        if is_open:
            self._publish([breaker_alert(trip)])

    def check(self) -> list[Alert]:
        """Evaluate the windowed rules now; returns the alerts published (duplicates left out)."""
        if self._rules is None:
            return []
        return self._publish(self._rules.check())

    # -- the monitor's task --------------------------------------------------------------------

    async def run(self) -> None:
        """Evaluate rules, deliver alerts, feed InfluxDB and measure the loop's lag, until
        cancelled."""
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(self.alerts.run())
            tasks.create_task(self.loop_lag.run())
            if self._influx is not None:
                tasks.create_task(self._influx.run())
            while True:
                await asyncio.sleep(self._evaluate_every_s)
                self.check()

    async def close(self) -> None:
        """Deliver and store what is queued, write the last figures to InfluxDB."""
        try:
            await self.alerts.close()
        finally:
            if self._influx is not None:
                await self._influx.close()

    def _publish(self, alerts: list[Alert]) -> list[Alert]:
        published = []
        for alert in alerts:
            queued = self.alerts.publish(alert)
            if queued is not None:
                published.append(queued)
        return published

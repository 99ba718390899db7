// The overview: PnL per chain and in total, success rate, opportunities per second,
// latencies and the latest alerts, charted where a glance says more than a number.

import { useEffect, useMemo, useState } from "react";
import { BarChart, LatencyColumns, LineChart, Sparkline, type Point } from "../charts";
import { Badge, Card, Empty, Kpi, TokenAmountView, decimalsOf } from "../components";
import { href } from "../router";
import { opportunitiesPerSecond, rateSeries, type DashboardState } from "../state";
import { ChainStages } from "../stages";
import { useDashboard } from "../store";
import { ModelPanel } from "../model";
import { ParamsPanel } from "../params";
import { LostToRivalsKpi } from "../rivals";
import { SubmissionTable } from "../submission";
import type { ChainPnl, ChainStatus, TradeItem } from "../types";
import {
  formatMs,
  formatNative,
  formatPercent,
  formatRate,
  formatTime,
  formatUsd,
  formatUsdCompact,
  nativeSymbol,
} from "../units";

const SETTLED = new Set(["succeeded", "reverted", "dropped", "cancelled"]);

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Live trades the history did not list yet (the writer batches): counted on top of /pnl. */
function unrecorded(state: DashboardState): TradeItem[] {
  const recorded = new Set(state.pnl?.curve.map((p) => p.tx_hash) ?? []);
  return state.trades.filter(
    (t) => t.execution_id === null && SETTLED.has(t.status) && !recorded.has(t.tx_hash),
  );
}

interface Totals {
  netUsd: number;
  succeeded: number;
  settled: number;
  perChain: Map<string, number>;
  curve: Point[];
}

function totals(state: DashboardState, nowMs: number): Totals {
  const pending = unrecorded(state);
  const perChain = new Map<string, number>();
  let succeeded = 0;
  let settled = 0;
  for (const chain of state.pnl?.chains ?? []) {
    perChain.set(chain.chain, chain.net_profit_usd);
    succeeded += chain.settled["succeeded"] ?? 0;
    settled += Object.values(chain.settled).reduce((a, b) => a + b, 0);
  }
  let netUsd = state.pnl?.net_profit_usd ?? 0;
  const curve: Point[] = (state.pnl?.curve ?? []).map((p) => ({
    x: Date.parse(p.at),
    y: p.cumulative_usd,
    label: p.chain,
  }));
  for (const trade of [...pending].reverse()) {
    const usd = trade.net_profit_usd ?? 0;
    netUsd += usd;
    perChain.set(trade.chain, (perChain.get(trade.chain) ?? 0) + usd);
    settled += 1;
    if (trade.status === "succeeded") succeeded += 1;
    curve.push({ x: Date.parse(trade.settled_at ?? "") || Date.now(), y: netUsd, label: trade.chain });
  }
  // From the level before the first trade shown to now: one trade still draws a step.
  const first = curve[0];
  const firstUsd = state.pnl?.curve[0]?.net_profit_usd ?? pending[pending.length - 1]?.net_profit_usd ?? 0;
  if (first) {
    const started = Date.parse(state.status?.started_at ?? "");
    const before = Number.isFinite(started) && started < first.x ? started : first.x - 60_000;
    curve.unshift({ x: before, y: first.y - firstUsd });
    const last = curve[curve.length - 1]!;
    if (nowMs > last.x) curve.push({ x: nowMs, y: last.y });
  }
  return { netUsd, succeeded, settled, perChain, curve };
}

/** Per chain: the L2 gas and the L1 data fee its settled trades paid, in the native coin. */
function FeesTable({ chains }: { chains: ChainPnl[] }) {
  if (chains.length === 0) return <Empty>No settled trades yet.</Empty>;
  return (
    <div className="table-wrap">
      <table data-testid="fees-table">
        <thead>
          <tr>
            <th>chain</th>
            <th className="num">L2 gas</th>
            <th className="num">L1 data fee</th>
          </tr>
        </thead>
        <tbody>
          {chains.map((c) => (
            <tr key={c.chain_id} data-chain={c.chain}>
              <td>{c.chain}</td>
              <td className="num">
                {formatNative(c.gas_cost_wei)} {nativeSymbol(c.chain)}
              </td>
              <td className="num" data-testid="l1-fee">
                {formatNative(c.l1_fee_wei ?? "0")} {nativeSymbol(c.chain)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ChainsTable({ chains }: { chains: ChainStatus[] }) {
  const { state } = useDashboard();
  if (chains.length === 0) return <Empty>No live pipeline figures attached.</Empty>;
  return (
    <div className="table-wrap">
      <table data-testid="chains-table">
        <thead>
          <tr>
            <th>chain</th>
            <th>node</th>
            <th className="num">block</th>
            <th className="num">lag</th>
            <th className="num">rpc</th>
            <th>endpoints</th>
            <th className="num">pools</th>
            <th className="num">opps</th>
            <th className="num">approved</th>
            <th className="num">ok / reverted</th>
            <th className="num">success</th>
            <th>realized profit</th>
            <th className="num">net USD</th>
            <th className="num">detect</th>
            <th className="num">submit</th>
            <th className="num">confirm</th>
            <th className="num">max gap</th>
          </tr>
        </thead>
        <tbody>
          {chains.map((c) => (
            <tr key={c.chain} data-testid={`chain-row-${c.chain}`}>
              <td>{c.chain}</td>
              <td>
                {c.node_up === null ? (
                  <span className="muted">—</span>
                ) : (
                  <Badge value={c.node_up ? "up" : "down"} testId={`chain-node-${c.chain}`} />
                )}
              </td>
              <td className="num">{c.block_number.toLocaleString()}</td>
              <td className="num" data-testid={`chain-lag-${c.chain}`}>
                {c.block_lag === null || c.node_up === false ? "—" : c.block_lag}
              </td>
              <td className="num" data-testid={`chain-rpc-${c.chain}`}>
                {formatMs(c.node_up ? c.rpc_latency_ms : null)}
              </td>
              <td data-testid={`chain-endpoints-${c.chain}`}>
                {c.endpoints.length === 0 ? (
                  <span className="muted">—</span>
                ) : (
                  c.endpoints.map((e) => (
                    <div
                      key={e.endpoint}
                      title={`${e.endpoint}: health ${e.score.toFixed(2)}, ${formatMs(e.latency_ms)}`}
                    >
                      <span className={`badge ${e.up ? "good" : "bad"}`}>{e.up ? "up" : "down"}</span>{" "}
                      <span className="muted">{e.endpoint.replace(/^https?:\/\//, "")}</span>
                    </div>
                  ))
                )}
              </td>
              <td className="num">{c.pools}</td>
              <td className="num">{c.opportunities.toLocaleString()}</td>
              <td className="num">{c.approved.toLocaleString()}</td>
              <td className="num">
                {c.succeeded} / {c.reverted}
              </td>
              <td className="num">{formatPercent(c.success_rate)}</td>
              <td>
                {c.realized_profit.length === 0 ? (
                  <span className="muted">—</span>
                ) : (
                  c.realized_profit.map((p) => (
                    <div key={p.token}>
                      <TokenAmountView
                        amount={p.amount}
                        decimals={decimalsOf(state.decimals, c.chain_id, p.token, p.decimals)}
                        symbol={p.symbol}
                      />
                    </div>
                  ))
                )}
              </td>
              <td className="num">{formatUsd(c.net_profit_usd)}</td>
              <td className="num">{formatMs(c.last_detect_ms || null)}</td>
              <td className="num">{formatMs(c.last_submit_ms || null)}</td>
              <td className="num">{formatMs(c.last_confirm_ms || null)}</td>
              <td className="num">{c.market ? `${c.market.max_gap_bps.toFixed(1)} bps` : "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Overview() {
  const { state } = useDashboard();
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);

  const sums = useMemo(() => totals(state, now), [state, now]);
  const rate = opportunitiesPerSecond(state, now);
  const series = useMemo(() => rateSeries(state.rate).slice(-60), [state.rate]);
  const recent = state.trades.slice(0, 40);
  const detect = median(
    recent.flatMap((t) => (t.detect_to_submit_ms == null ? [] : [t.detect_to_submit_ms])),
  );
  const confirm = median(
    recent.flatMap((t) => (t.submit_to_confirm_ms == null ? [] : [t.submit_to_confirm_ms])),
  );
  const successRate = sums.settled ? sums.succeeded / sums.settled : null;
  const hourAgo = now - 3600_000;
  const recentAlerts = state.alerts.filter((a) => Date.parse(a.fired_at) >= hourAgo);
  const chains = state.stats?.chains ?? [];
  const bars = [...sums.perChain.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([label, value]) => ({ label, value, display: formatUsd(value) }));

  return (
    <div className="page" data-testid="page-overview">
      <div className="kpis">
        <Kpi
          label="Net PnL (all chains)"
          value={formatUsd(sums.netUsd)}
          tone={sums.netUsd < 0 ? "bad" : "good"}
          sub={`settled trades: ${sums.settled.toLocaleString()}`}
          testId="kpi-pnl"
        />
        <Kpi
          label="Success rate"
          value={formatPercent(successRate)}
          tone={successRate !== null && successRate < 0.95 ? "warn" : undefined}
          sub={`succeeded: ${sums.succeeded.toLocaleString()} of ${sums.settled.toLocaleString()}`}
          testId="kpi-success"
        />
        <Kpi
          label="Opportunities"
          value={formatRate(rate)}
          sub={`${chains.reduce((n, c) => n + c.opportunities, 0).toLocaleString()} this run`}
          chart={<Sparkline values={series} testId="rate-spark" />}
          testId="kpi-rate"
        />
        <Kpi
          label="Latency (median)"
          value={formatMs(detect === null && confirm === null ? null : (detect ?? 0) + (confirm ?? 0))}
          sub={`detect→submit ${formatMs(detect)} · submit→confirm ${formatMs(confirm)}`}
          testId="kpi-latency"
        />
        <Kpi
          label="Alerts (last hour)"
          value={recentAlerts.length.toLocaleString()}
          tone={
            recentAlerts.some((a) => a.severity === "critical")
              ? "bad"
              : recentAlerts.length
                ? "warn"
                : undefined
          }
          sub={recentAlerts[0]?.summary ?? "none"}
          testId="kpi-alerts"
        />
        <LostToRivalsKpi pnl={state.pnl?.chains ?? []} live={chains} />
      </div>

      <div className="grid two">
        <Card title="Cumulative PnL (USD)" testId="card-pnl-curve">
          <LineChart
            points={sums.curve}
            formatY={formatUsdCompact}
            formatX={(x) => new Date(x).toLocaleTimeString()}
            step
            testId="pnl-curve"
            empty="no settled trades yet"
          />
        </Card>
        <Card title="PnL per chain (USD)" testId="card-pnl-chains">
          <BarChart bars={bars} testId="pnl-bars" />
        </Card>
      </div>

      <Card title="Fees paid per chain" testId="card-fees">
        <FeesTable chains={state.pnl?.chains ?? []} />
      </Card>

      <Card title="Backruns and bribes per chain" testId="card-submission">
        <SubmissionTable chains={state.pnl?.chains ?? []} />
      </Card>

      <ModelPanel />
      <ParamsPanel />

      <div className="grid two">
        <Card
          title="Trade latencies"
          actions={
            <span className="legend">
              <i className="seg detect" /> detect→submit <i className="seg confirm" /> submit→confirm
            </span>
          }
        >
          <LatencyColumns
            columns={[...recent].reverse().map((t) => ({
              key: t.opportunity_id,
              segments: [
                { kind: "detect" as const, label: "detect→submit", ms: t.detect_to_submit_ms },
                { kind: "confirm" as const, label: "submit→confirm", ms: t.submit_to_confirm_ms },
              ],
            }))}
            formatMs={(ms) => formatMs(ms)}
            testId="latency-columns"
          />
        </Card>
        <Card title="Latest alerts" actions={<a href={href("alerts")}>all alerts</a>}>
          {state.alerts.length === 0 ? (
            <Empty>No alerts.</Empty>
          ) : (
            <ul className="alert-list">
              {state.alerts.slice(0, 6).map((alert) => (
                <li key={alert.id}>
                  <Badge value={alert.severity} /> <span className="muted">{formatTime(alert.fired_at)}</span>{" "}
                  {alert.summary}
                </li>
              ))}
            </ul>
          )}
        </Card>
      </div>

      <Card
        title="Live path per chain (p50 of each segment, block notification → node ack)"
        testId="card-stages"
      >
        <ChainStages chains={chains} />
      </Card>

      <Card title="Chains (live)">
        <ChainsTable chains={chains} />
      </Card>
    </div>
  );
}

// Alerts: each rule that fired, about what, how bad, and its figure against the threshold.

import { useMemo, useState } from "react";
import { Badge, Card, Empty } from "../components";
import { useDashboard } from "../store";
import { formatTime } from "../units";

function figure(value: number | null): string {
  if (value === null) return "—";
  return Math.abs(value) >= 1000
    ? value.toLocaleString(undefined, { maximumFractionDigits: 0 })
    : value.toPrecision(4);
}

export function Alerts() {
  const { state } = useDashboard();
  const [severity, setSeverity] = useState("");
  const severities = useMemo(() => [...new Set(state.alerts.map((a) => a.severity))].sort(), [state.alerts]);
  const shown = state.alerts.filter((a) => !severity || a.severity === severity);
  return (
    <div className="page" data-testid="page-alerts">
      <Card
        title={`Alerts (${shown.length})`}
        actions={
          <select value={severity} onChange={(e) => setSeverity(e.target.value)} aria-label="severity">
            <option value="">all severities</option>
            {severities.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        }
      >
        {shown.length === 0 ? (
          <Empty>
            No alerts. Rules: success rate, profit rate, system errors, market moves, breaker trips.
          </Empty>
        ) : (
          <div className="table-wrap">
            <table data-testid="alerts-table">
              <thead>
                <tr>
                  <th>fired</th>
                  <th>severity</th>
                  <th>rule</th>
                  <th>chain</th>
                  <th>summary</th>
                  <th className="num">value</th>
                  <th className="num">threshold</th>
                  <th>delivery</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((a) => (
                  <tr key={a.id} data-testid="alert-row" className={a.suppressed ? "dim" : ""}>
                    <td className="muted">{formatTime(a.fired_at)}</td>
                    <td>
                      <Badge value={a.severity} />
                    </td>
                    <td>{a.rule}</td>
                    <td>{a.chain ?? "—"}</td>
                    <td>{a.summary}</td>
                    <td className="num">{figure(a.value)}</td>
                    <td className="num">{figure(a.threshold)}</td>
                    <td className="muted">{a.suppressed ? `suppressed: ${a.suppressed}` : "sent"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </div>
  );
}

// Opportunities that went no further, with why: declined by a risk limit, token safety, the
// score or the allocator, or refused at execution (the pre-check). Read from the history, since
// the reasons live there; refreshed while the page is open.

import { useEffect, useMemo, useState } from "react";
import { Badge, Card, Empty, RouteView } from "../components";
import { useDashboard } from "../store";
import type { OpportunityItem } from "../types";
import { formatTime, formatUsd } from "../units";

const STATUSES = ["declined", "rejected", "failed"] as const;
const REFRESH_MS = 5000;
const LIMIT = 200;

/** The rule a reason names: its text before the first colon ("token safety", "min profit"). */
function ruleOf(reason: string): string {
  const head = reason.split(":")[0] ?? reason;
  return head.length <= 40 ? head : "other";
}

export function Rejected() {
  const { api } = useDashboard();
  const [items, setItems] = useState<OpportunityItem[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [rule, setRule] = useState("");

  useEffect(() => {
    let cancelled = false;
    const load = async () => {
      try {
        const lists = await Promise.all(
          STATUSES.map((status) => api.opportunities({ status, limit: LIMIT })),
        );
        if (cancelled) return;
        const merged = lists.flat();
        merged.sort((a, b) => (b.detected_at ?? "").localeCompare(a.detected_at ?? ""));
        setItems(merged.slice(0, LIMIT));
        setError(null);
      } catch (e) {
        if (!cancelled) setError(e instanceof Error ? e.message : String(e));
      }
    };
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [api]);

  const counts = useMemo(() => {
    const byRule = new Map<string, number>();
    for (const item of items ?? []) {
      for (const name of new Set(item.reasons.map(ruleOf))) byRule.set(name, (byRule.get(name) ?? 0) + 1);
    }
    return [...byRule.entries()].sort((a, b) => b[1] - a[1]);
  }, [items]);
  const shown = (items ?? []).filter((item) => !rule || item.reasons.some((r) => ruleOf(r) === rule));

  return (
    <div className="page" data-testid="page-rejected">
      <Card
        title={`Rejected opportunities (${shown.length})`}
        actions={
          <select value={rule} onChange={(e) => setRule(e.target.value)} aria-label="rule">
            <option value="">all reasons</option>
            {counts.map(([name, count]) => (
              <option key={name} value={name}>
                {name} ({count})
              </option>
            ))}
          </select>
        }
      >
        {error !== null && <p className="bad">Could not read the history: {error}</p>}
        {items === null ? (
          <Empty>Loading…</Empty>
        ) : shown.length === 0 ? (
          <Empty>No opportunity was declined or rejected yet.</Empty>
        ) : (
          <div className="table-wrap">
            <table data-testid="rejected-table">
              <thead>
                <tr>
                  <th>detected</th>
                  <th>chain</th>
                  <th className="num">block</th>
                  <th>route</th>
                  <th>status</th>
                  <th className="num">net USD</th>
                  <th>reasons</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((item) => (
                  <tr key={item.id} data-testid="rejected-row">
                    <td className="muted time">{formatTime(item.detected_at)}</td>
                    <td>{item.chain}</td>
                    <td className="num">{item.block_number.toLocaleString()}</td>
                    <td>
                      <RouteView
                        route={item.route}
                        dexes={item.hops?.map((h) => h.dex) ?? item.dexes}
                        kinds={item.hops?.map((h) => h.kind)}
                        compact
                      />
                    </td>
                    <td>
                      <Badge value={item.status} />
                    </td>
                    <td className="num">{formatUsd(item.net_profit_usd)}</td>
                    <td data-testid="rejected-reasons">
                      {item.reasons.length ? item.reasons.join("; ") : <span className="muted">—</span>}
                    </td>
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

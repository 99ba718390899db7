// Cluster: every process of a scaled-out cluster (per-chain workers, the coordinator, the API,
// the trainer) as the worker registry lists it, polled every second: which worker of each chain
// is active (holds the signer lease, with its fencing token) and which stand by, and how long
// since each was last heard from.

import { useEffect, useState } from "react";
import { ApiError } from "../api";
import { Badge, Card, Empty } from "../components";
import { chainPairs, formatAge, type ClusterWorkerItem } from "../cluster";
import { useDashboard } from "../store";

// The registry's heartbeat is 1 s by default: a second's poll shows each beat.
const POLL_MS = 1_000;

const STATE_TONE: Record<string, string> = {
  active: "good",
  standby: "info",
  starting: "muted",
  "stepping-down": "warn",
};

function StateBadge({ state }: { state: string }) {
  return (
    <span className={`badge ${STATE_TONE[state] ?? "muted"}`} data-testid="cluster-state">
      {state === "active" ? "● active" : state === "standby" ? "○ standby" : state}
    </span>
  );
}

function WorkersTable({ workers }: { workers: ClusterWorkerItem[] }) {
  return (
    <div className="table-wrap">
      <table data-testid="cluster-table">
        <thead>
          <tr>
            <th>role</th>
            <th>chain</th>
            <th>state</th>
            <th className="num">fencing token</th>
            <th className="num">pid</th>
            <th>host</th>
            <th className="num">head block</th>
            <th className="num">trades</th>
            <th className="num">last seen</th>
          </tr>
        </thead>
        <tbody>
          {workers.map((w) => (
            <tr
              key={w.id}
              className={`cluster-row ${w.state}`}
              title={w.id}
              data-testid="cluster-row"
              data-id={w.id}
              data-role={w.role}
              data-chain={w.chain ?? ""}
              data-state={w.state}
            >
              <td>{w.role}</td>
              <td>{w.chain ?? "—"}</td>
              <td>
                <StateBadge state={w.state} />
              </td>
              <td className="num" data-testid="cluster-token">
                {w.fencing_token ?? "—"}
              </td>
              <td className="num">{w.pid}</td>
              <td>{w.host}</td>
              <td className="num" data-testid="cluster-head">
                {w.head_block?.toLocaleString() ?? "—"}
              </td>
              <td className="num" data-testid="cluster-trades">
                {w.trades}
              </td>
              <td className="num" data-testid="cluster-age">
                {formatAge(w.last_seen_age_s)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Cluster() {
  const { api } = useDashboard();
  const [workers, setWorkers] = useState<ClusterWorkerItem[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    const load = async () => {
      try {
        const body = await api.clusterWorkers();
        if (live) {
          setWorkers(body);
          setError(null);
        }
      } catch (failure) {
        if (live) setError(failure instanceof ApiError ? failure.message : String(failure));
      }
    };
    void load();
    const timer = window.setInterval(() => void load(), POLL_MS);
    return () => {
      live = false;
      window.clearInterval(timer);
    };
  }, [api]);

  const pairs = chainPairs(workers ?? []);
  return (
    <div className="page" data-testid="page-cluster">
      {pairs.length > 0 && (
        <Card title="Signers per chain" testId="cluster-chains">
          <div className="cluster-chains">
            {pairs.map((pair) => (
              <div
                key={pair.chain}
                className={`cluster-chain ${pair.active === 1 ? "ok" : "bad"}`}
                data-testid="cluster-chain"
                data-chain={pair.chain}
                data-active={pair.active}
                data-standby={pair.standby}
              >
                <strong>{pair.chain}</strong>{" "}
                <Badge value={pair.active === 1 ? "ok" : pair.active === 0 ? "down" : "error"} />{" "}
                <span className="muted small">
                  {pair.active} active · {pair.standby} standby
                </span>
              </div>
            ))}
          </div>
        </Card>
      )}
      <Card
        title={`Processes${workers ? ` (${workers.length})` : ""}`}
        testId="cluster-panel"
        actions={<span className="muted small">refreshed every second</span>}
      >
        {error && (
          <p className="bad-text" data-testid="cluster-error">
            {error}
          </p>
        )}
        {workers === null ? (
          !error && <Empty>…</Empty>
        ) : workers.length === 0 ? (
          <Empty>No process is registered.</Empty>
        ) : (
          <WorkersTable workers={workers} />
        )}
      </Card>
    </div>
  );
}

// The optimizer's panel: each chain's tuned parameters as its stages read them now (bribe
// share, minimum net profit, tip, longest route), the change it is measuring, and the history
// of changes with each one's reason, measured effect and whether it was reverted. Read from
// GET /params every few seconds (the live feed does not carry it).

import { useEffect, useState } from "react";
import { ApiError } from "./api";
import { Card, Empty } from "./components";
import { useDashboard } from "./store";
import { formatTime, formatUsd } from "./units";

export interface ParamsItem {
  bribe_share_bps: number;
  min_net_profit_usd: number;
  tip_wei: string;
  max_hops: number;
}

export interface ParamChangeItem {
  id: string;
  chain: string;
  param: string;
  old_value: number | string;
  new_value: number | string;
  reason: string;
  baseline_reward_usd: number;
  baseline_samples: number;
  changed_at: string;
  effect_reward_usd: number | null;
  effect_samples: number;
  evaluated_at: string | null;
  reverted: boolean;
}

export interface ChainParamsItem {
  chain: string;
  online: boolean;
  tuned: string[];
  params: ParamsItem;
  pending: ParamChangeItem | null;
}

export interface ParamsBody {
  chains: ChainParamsItem[];
  history: ParamChangeItem[];
}

const REFRESH_MS = 3000;

function outcome(change: ParamChangeItem): string {
  if (change.evaluated_at === null) return "measuring";
  return change.reverted ? "reverted" : "kept";
}

function effect(change: ParamChangeItem): string {
  if (change.effect_reward_usd === null) return "—";
  const sign = change.effect_reward_usd > 0 ? "+" : "";
  return `${sign}${formatUsd(change.effect_reward_usd)} /opportunity (${change.effect_samples} trades)`;
}

function ChainParams({ chains }: { chains: ChainParamsItem[] }) {
  if (chains.length === 0) return <Empty>No engine attached: no live parameters.</Empty>;
  return (
    <div className="table-wrap">
      <table data-testid="params-table">
        <thead>
          <tr>
            <th>chain</th>
            <th>optimizer</th>
            <th>bribe share</th>
            <th>min net profit</th>
            <th>tip (wei)</th>
            <th>max hops</th>
            <th>measuring</th>
          </tr>
        </thead>
        <tbody>
          {chains.map((c) => (
            <tr key={c.chain} data-testid="params-row" data-chain={c.chain}>
              <td>{c.chain}</td>
              <td>{c.online ? `online: ${c.tuned.join(", ")}` : "off"}</td>
              <td data-testid="params-bribe" data-bps={c.params.bribe_share_bps}>
                {(c.params.bribe_share_bps / 100).toFixed(2)}%
              </td>
              <td>{formatUsd(c.params.min_net_profit_usd)}</td>
              <td>{c.params.tip_wei === "0" ? "fee quote" : c.params.tip_wei}</td>
              <td>{c.params.max_hops}</td>
              <td>
                {c.pending ? `${c.pending.param} ${c.pending.old_value} → ${c.pending.new_value}` : "—"}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ChangeHistory({ changes }: { changes: ParamChangeItem[] }) {
  if (changes.length === 0) return <Empty>No parameter changes recorded yet.</Empty>;
  return (
    <div className="table-wrap">
      <table data-testid="param-changes">
        <thead>
          <tr>
            <th>changed</th>
            <th>chain</th>
            <th>parameter</th>
            <th>old → new</th>
            <th>effect</th>
            <th>result</th>
            <th>reason</th>
          </tr>
        </thead>
        <tbody>
          {changes.map((c) => (
            <tr key={c.id} data-testid="param-change" data-outcome={outcome(c)}>
              <td>{formatTime(c.changed_at)}</td>
              <td>{c.chain}</td>
              <td>{c.param}</td>
              <td>
                {c.old_value} → {c.new_value}
              </td>
              <td>{effect(c)}</td>
              <td>
                <span className={`badge ${c.reverted ? "bad" : c.evaluated_at ? "good" : "info"}`}>
                  {outcome(c)}
                </span>
              </td>
              <td className="small muted">{c.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The optimizer's card: current parameters per chain and the history of changes. */
export function ParamsPanel() {
  const { api } = useDashboard();
  const [body, setBody] = useState<ParamsBody | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stopped = false;
    const load = async () => {
      try {
        const next = await api.params();
        if (!stopped) {
          setBody(next);
          setError(null);
        }
      } catch (err) {
        if (!stopped) setError(err instanceof ApiError ? err.message : String(err));
      }
    };
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [api]);
  return (
    <Card title="Optimizer: parameters and changes" testId="card-params">
      {error && <div className="banner warn">{error}</div>}
      {body === null ? (
        <Empty>Loading…</Empty>
      ) : (
        <>
          <ChainParams chains={body.chains} />
          <ChangeHistory changes={body.history} />
        </>
      )}
    </Card>
  );
}

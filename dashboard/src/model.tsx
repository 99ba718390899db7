// The profit predictor the score stage runs on: the model's id, feature version, held-out
// metrics and age, or that the baseline (p = 1, EV = net profit) decides, and why.

import { useEffect, useState } from "react";
import { Badge, Card, Empty } from "./components";
import { useDashboard } from "./store";

/** `GET /model` (omniarb/api/model_status.py). */
export interface ModelStatus {
  enabled: boolean;
  store: string;
  code_feature_version: number;
  max_age_s: number;
  fallback: boolean;
  reason: string;
  model_id: string | null;
  feature_version: number | null;
  created_at: string | null;
  age_s: number | null;
  n_train: number | null;
  n_test: number | null;
  metrics: Record<string, number | null>;
}

// A model is trained by hand (`omniarb train`); a look every few seconds follows it closely.
const REFRESH_MS = 5_000;

const METRICS: [string, string, (v: number) => string][] = [
  ["auc", "AUC", (v) => v.toFixed(3)],
  ["brier", "Brier score", (v) => v.toFixed(3)],
  ["calibration_error", "calibration error", (v) => v.toFixed(3)],
  ["ev_model_usd", "held-out EV, model (USD)", (v) => v.toFixed(2)],
  ["ev_baseline_usd", "held-out EV, baseline (USD)", (v) => v.toFixed(2)],
];

function formatAge(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7_200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${(seconds / 3_600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}

export function ModelPanel() {
  const { api } = useDashboard();
  const [status, setStatus] = useState<ModelStatus | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    const load = async () => {
      try {
        const body = await api.model();
        if (live) {
          setStatus(body);
          setError(null);
        }
      } catch (err) {
        if (live) setError(err instanceof Error ? err.message : String(err));
      }
    };
    void load();
    const timer = window.setInterval(() => void load(), REFRESH_MS);
    return () => {
      live = false;
      window.clearInterval(timer);
    };
  }, [api]);

  return (
    <Card title="Profit predictor" testId="card-model">
      {error && <p className="error">{error}</p>}
      {status === null ? (
        <Empty>…</Empty>
      ) : (
        <dl className="fields" data-testid="model-status" data-fallback={String(status.fallback)}>
          <div className="field">
            <dt>decides</dt>
            <dd>
              <Badge value={status.fallback ? "baseline" : "model"} testId="model-mode" />{" "}
              <span className="muted" data-testid="model-reason">
                {status.reason}
              </span>
            </dd>
          </div>
          <div className="field">
            <dt>model</dt>
            <dd data-testid="model-id">{status.model_id ?? "none"}</dd>
          </div>
          <div className="field">
            <dt>feature version</dt>
            <dd>
              {status.feature_version ?? "-"} (code: {status.code_feature_version})
            </dd>
          </div>
          <div className="field">
            <dt>age</dt>
            <dd data-testid="model-age">
              {status.age_s === null ? "-" : formatAge(status.age_s)}
              {status.max_age_s > 0 ? ` (max ${formatAge(status.max_age_s)})` : ""}
            </dd>
          </div>
          {status.n_train !== null && (
            <div className="field">
              <dt>trades</dt>
              <dd>
                {status.n_train} trained, {status.n_test} held out
              </dd>
            </div>
          )}
          {METRICS.filter(([key]) => key in status.metrics).map(([key, label, format]) => {
            const value = status.metrics[key];
            return (
              <div className="field" key={key}>
                <dt>{label}</dt>
                <dd data-testid={`model-metric-${key}`}>
                  {value === null || value === undefined ? "n/a" : format(value)}
                </dd>
              </div>
            );
          })}
          <div className="field">
            <dt>store</dt>
            <dd className="muted">{status.store}</dd>
          </div>
        </dl>
      )}
    </Card>
  );
}

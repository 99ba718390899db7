// The live path's stage times (omniarb/stage_times.py): one stacked horizontal bar of its
// segments, each a colour and a width proportional to its milliseconds, with a legend naming
// every segment (a 0.1 ms apply is a sliver of the bar, but its figure is always in the legend).

import { Empty } from "./components";
import type { ChainStatus, StageSegment } from "./types";

// The segments in the path's order, each with its colour.
export const STAGE_COLOURS: Record<string, string> = {
  logs: "#4aa3ff",
  apply: "#79c0ff",
  queue: "#8b98a8",
  detect: "#a371f7",
  risk: "#d2a8ff",
  score: "#f778ba",
  allocate: "#ffa657",
  check: "#d29922",
  sign: "#3fb950",
  claim: "#f85149",
  ack: "#56d4dd",
};

/** Milliseconds with a unit that keeps three figures from microseconds to seconds. */
export function formatStageMs(ms: number): string {
  if (ms < 1) return `${(ms * 1000).toFixed(0)} µs`;
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms.toFixed(1)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** One stacked bar: each segment's width is its share of the segments' sum. */
export function StageBar({ segments, testId }: { segments: StageSegment[]; testId?: string }) {
  const sum = segments.reduce((total, s) => total + Math.max(s.ms, 0), 0);
  return (
    <div className="stage-bar" data-testid={testId} data-sum-ms={sum}>
      {segments.map((s) => (
        <div
          key={s.name}
          className="stage-seg"
          data-stage={s.name}
          data-ms={s.ms}
          title={`${s.name} ${formatStageMs(s.ms)}`}
          style={{
            width: sum > 0 ? `${(100 * Math.max(s.ms, 0)) / sum}%` : "0%",
            background: STAGE_COLOURS[s.name] ?? "var(--muted)",
          }}
        />
      ))}
    </div>
  );
}

/** Every segment named, with its colour and figure. */
export function StageLegend({ segments, testId }: { segments: StageSegment[]; testId?: string }) {
  return (
    <div className="legend stage-legend" data-testid={testId}>
      {segments.map((s) => (
        <span key={s.name} data-stage={s.name}>
          <i style={{ background: STAGE_COLOURS[s.name] ?? "var(--muted)" }} /> {s.name}{" "}
          <b>{formatStageMs(s.ms)}</b>
        </span>
      ))}
    </div>
  );
}

/** Per chain, the median of each segment over its recent sent trades, stacked; the whole
 * path's p50 and p99 beside it. */
export function ChainStages({ chains }: { chains: ChainStatus[] }) {
  const timed = chains.filter((c) => c.stages);
  if (timed.length === 0) return <Empty>No trade sent yet: the live path is timed per sent trade.</Empty>;
  return (
    <div className="stage-chains">
      {timed.map((c) => {
        const stages = c.stages!;
        const segments = stages.segments.map((s) => ({ name: s.name, ms: s.p50_ms }));
        return (
          <div key={c.chain} className="stage-chain" data-testid={`stages-${c.chain}`} data-chain={c.chain}>
            <div className="stage-head">
              <b>{c.chain}</b>
              <span className="muted" data-testid={`stages-total-${c.chain}`}>
                total p50 <b>{formatStageMs(stages.total.p50_ms)}</b> · p99{" "}
                <b>{formatStageMs(stages.total.p99_ms)}</b> · {stages.trades.toLocaleString()}{" "}
                {stages.trades === 1 ? "trade" : "trades"}
              </span>
            </div>
            <StageBar segments={segments} testId={`stage-bar-${c.chain}`} />
            <StageLegend segments={segments} testId={`stage-legend-${c.chain}`} />
          </div>
        );
      })}
    </div>
  );
}

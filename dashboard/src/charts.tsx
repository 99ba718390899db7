// Small SVG charts drawn here (no charting library): a line with an area, a sparkline,
// signed horizontal bars, stacked latency columns and a pipeline timeline. Values here are
// USD floats, rates and milliseconds — display figures, never wei.

import { useState, type MouseEvent } from "react";

export interface Point {
  x: number;
  y: number;
  label?: string;
}

interface Extent {
  min: number;
  max: number;
}

function extent(values: number[], includeZero: boolean): Extent {
  let min = Math.min(...values, includeZero ? 0 : Infinity);
  let max = Math.max(...values, includeZero ? 0 : -Infinity);
  if (!Number.isFinite(min) || !Number.isFinite(max)) return { min: 0, max: 1 };
  if (min === max) {
    const pad = Math.abs(min) * 0.1 || 1;
    min -= pad;
    max += pad;
  }
  return { min, max };
}

const W = 640;

/** A line over time with its area to zero; hover shows the nearest point. */
export function LineChart({
  points,
  height = 180,
  formatY,
  formatX,
  testId,
  step = false,
  empty = "no data yet",
}: {
  points: Point[];
  height?: number;
  /** Hold each value until the next point (a running total that moves in jumps). */
  step?: boolean;
  formatY: (y: number) => string;
  formatX: (x: number) => string;
  testId?: string;
  empty?: string;
}) {
  const [hover, setHover] = useState<number | null>(null);
  if (points.length === 0) {
    return (
      <div className="chart-empty" data-testid={testId}>
        {empty}
      </div>
    );
  }
  const padLeft = 64;
  const padRight = 12;
  const padTop = 12;
  const padBottom = 24;
  const xs = extent(
    points.map((p) => p.x),
    false,
  );
  const ys = extent(
    points.map((p) => p.y),
    true,
  );
  const sx = (x: number) => padLeft + ((x - xs.min) / (xs.max - xs.min)) * (W - padLeft - padRight);
  const sy = (y: number) => padTop + (1 - (y - ys.min) / (ys.max - ys.min)) * (height - padTop - padBottom);
  const line = points
    .map((p, i) => {
      const x = sx(p.x).toFixed(1);
      const y = sy(p.y).toFixed(1);
      if (i === 0) return `M${x},${y}`;
      return step ? `H${x}V${y}` : `L${x},${y}`;
    })
    .join("");
  const first = points[0]!;
  const last = points[points.length - 1]!;
  const zero = sy(0);
  const area = `${line}L${sx(last.x).toFixed(1)},${zero.toFixed(1)}L${sx(first.x).toFixed(1)},${zero.toFixed(1)}Z`;
  const shown = hover === null ? null : points[hover];

  const onMove = (event: MouseEvent<SVGRectElement>) => {
    const box = event.currentTarget.ownerSVGElement?.getBoundingClientRect();
    if (!box) return;
    const x = ((event.clientX - box.left) / box.width) * W;
    let best = 0;
    for (let i = 1; i < points.length; i++) {
      if (Math.abs(sx(points[i]!.x) - x) < Math.abs(sx(points[best]!.x) - x)) best = i;
    }
    setHover(best);
  };

  return (
    <svg
      className="chart"
      viewBox={`0 0 ${W} ${height}`}
      width="100%"
      role="img"
      data-testid={testId}
      aria-label={`last ${formatY(last.y)}`}
    >
      {[ys.max, 0, ys.min].map((y, i) =>
        y === 0 && (ys.min === 0 || ys.max === 0) && i !== 1 ? null : (
          <g key={i}>
            <line className="grid" x1={padLeft} x2={W - padRight} y1={sy(y)} y2={sy(y)} />
            <text className="axis" x={padLeft - 6} y={sy(y) + 4} textAnchor="end">
              {formatY(y)}
            </text>
          </g>
        ),
      )}
      <path className="area" d={area} />
      <path className="line" d={line} />
      <circle className="dot" cx={sx(last.x)} cy={sy(last.y)} r={3.5} />
      <text className="axis" x={padLeft} y={height - 6}>
        {formatX(first.x)}
      </text>
      <text className="axis" x={W - padRight} y={height - 6} textAnchor="end">
        {formatX(last.x)}
      </text>
      {shown && (
        <g pointerEvents="none">
          <line className="cursor" x1={sx(shown.x)} x2={sx(shown.x)} y1={padTop} y2={height - padBottom} />
          <circle className="dot" cx={sx(shown.x)} cy={sy(shown.y)} r={4} />
          <text
            className="tip"
            x={Math.min(Math.max(sx(shown.x), padLeft + 80), W - padRight - 80)}
            y={padTop + 12}
            textAnchor="middle"
          >
            {formatY(shown.y)} · {formatX(shown.x)}
            {shown.label ? ` · ${shown.label}` : ""}
          </text>
        </g>
      )}
      <rect
        x={padLeft}
        y={0}
        width={W - padLeft - padRight}
        height={height}
        fill="transparent"
        onMouseMove={onMove}
        onMouseLeave={() => setHover(null)}
      />
    </svg>
  );
}

/** A tiny trend line for a card. */
export function Sparkline({ values, testId }: { values: number[]; testId?: string }) {
  const width = 120;
  const height = 28;
  if (values.length < 2)
    return <svg className="spark" viewBox={`0 0 ${width} ${height}`} data-testid={testId} />;
  const ys = extent(values, true);
  const step = width / (values.length - 1);
  const d = values
    .map(
      (v, i) =>
        `${i ? "L" : "M"}${(i * step).toFixed(1)},${(height - 2 - ((v - ys.min) / (ys.max - ys.min)) * (height - 4)).toFixed(1)}`,
    )
    .join("");
  return (
    <svg className="spark" viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" data-testid={testId}>
      <path className="line" d={d} />
    </svg>
  );
}

export interface Bar {
  label: string;
  value: number;
  display: string;
}

/** Horizontal bars around zero (profit right, loss left). */
export function BarChart({ bars, testId }: { bars: Bar[]; testId?: string }) {
  if (bars.length === 0)
    return (
      <div className="chart-empty" data-testid={testId}>
        no data yet
      </div>
    );
  const row = 26;
  const labelWidth = 96;
  const valueWidth = 104;
  const height = bars.length * row + 4;
  const span = W - labelWidth - valueWidth;
  const xs = extent(
    bars.map((b) => b.value),
    true,
  );
  const sx = (v: number) => labelWidth + ((v - xs.min) / (xs.max - xs.min)) * span;
  return (
    <svg className="chart" viewBox={`0 0 ${W} ${height}`} width="100%" data-testid={testId} role="img">
      <line className="grid" x1={sx(0)} x2={sx(0)} y1={0} y2={height} />
      {bars.map((bar, i) => {
        const y = i * row + 4;
        const x0 = sx(Math.min(0, bar.value));
        const x1 = sx(Math.max(0, bar.value));
        return (
          <g key={bar.label}>
            <text className="axis label" x={labelWidth - 8} y={y + 15} textAnchor="end">
              {bar.label}
            </text>
            <rect
              className={bar.value < 0 ? "bar loss" : "bar"}
              x={x0}
              y={y + 3}
              width={Math.max(1, x1 - x0)}
              height={row - 10}
              rx={3}
            />
            <text className="axis value" x={W - 4} y={y + 15} textAnchor="end">
              {bar.display}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

export interface Segment {
  label: string;
  ms: number | null;
  kind: "detect" | "submit" | "confirm";
}

/** Stacked columns of each trade's latencies along the pipeline (oldest left). */
export function LatencyColumns({
  columns,
  formatMs,
  testId,
}: {
  columns: { key: string; segments: Segment[] }[];
  formatMs: (ms: number) => string;
  testId?: string;
}) {
  const usable = columns.filter((c) => c.segments.some((s) => s.ms != null));
  if (usable.length === 0)
    return (
      <div className="chart-empty" data-testid={testId}>
        no trades yet
      </div>
    );
  const height = 150;
  const padLeft = 64;
  const padBottom = 8;
  const totals = usable.map((c) => c.segments.reduce((sum, s) => sum + (s.ms ?? 0), 0));
  const max = Math.max(...totals, 1);
  const slot = (W - padLeft) / usable.length;
  const barWidth = Math.max(2, Math.min(28, slot * 0.7));
  const sy = (ms: number) => (ms / max) * (height - padBottom - 10);
  return (
    <svg className="chart" viewBox={`0 0 ${W} ${height}`} width="100%" data-testid={testId} role="img">
      <text className="axis" x={padLeft - 6} y={14} textAnchor="end">
        {formatMs(max)}
      </text>
      <line className="grid" x1={padLeft} x2={W} y1={height - padBottom} y2={height - padBottom} />
      {usable.map((column, i) => {
        let top = height - padBottom;
        return (
          <g key={column.key}>
            {column.segments.map((segment) => {
              if (segment.ms == null) return null;
              const h = sy(segment.ms);
              top -= h;
              return (
                <rect
                  key={segment.kind}
                  className={`seg ${segment.kind}`}
                  x={padLeft + i * slot + (slot - barWidth) / 2}
                  y={top}
                  width={barWidth}
                  height={Math.max(h, 0.5)}
                >
                  <title>
                    {segment.label}: {formatMs(segment.ms)}
                  </title>
                </rect>
              );
            })}
          </g>
        );
      })}
    </svg>
  );
}

/** One trade's way through the pipeline as a timeline: detect → submit → confirm (HTML, so
 * it stays crisp at any width). */
export function Timeline({
  segments,
  formatMs,
  testId,
}: {
  segments: Segment[];
  formatMs: (ms: number) => string;
  testId?: string;
}) {
  const known = segments.filter((s) => s.ms != null && s.ms >= 0);
  const total = known.reduce((sum, s) => sum + (s.ms ?? 0), 0);
  if (total <= 0) {
    return (
      <div className="chart-empty" data-testid={testId}>
        no latencies recorded
      </div>
    );
  }
  return (
    <div className="timeline" data-testid={testId}>
      <div className="timeline-bar">
        {known.map((segment) => (
          <div
            key={segment.kind}
            className={`seg ${segment.kind}`}
            style={{ flexGrow: segment.ms ?? 0 }}
            title={`${segment.label}: ${formatMs(segment.ms ?? 0)}`}
          />
        ))}
      </div>
      <div className="legend">
        {known.map((segment) => (
          <span key={segment.kind}>
            <i className={`seg ${segment.kind}`} /> {segment.label} <b>{formatMs(segment.ms ?? 0)}</b>
          </span>
        ))}
        <span>
          total <b>{formatMs(total)}</b>
        </span>
      </div>
    </div>
  );
}

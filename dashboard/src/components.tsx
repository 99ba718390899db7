// Small building blocks shared by the pages: cards, figures, badges, routes and amounts.

import type { ReactNode } from "react";
import { tokenKey } from "./state";
import type { Amount, HopItem } from "./types";
import { formatUnits, formatWei, shortHex } from "./units";

export function Card({
  title,
  actions,
  children,
  testId,
  className,
}: {
  title: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  testId?: string;
  className?: string;
}) {
  return (
    <section className={`card ${className ?? ""}`} data-testid={testId}>
      <header className="card-head">
        <h2>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

export function Kpi({
  label,
  value,
  sub,
  chart,
  tone,
  testId,
}: {
  label: string;
  value: ReactNode;
  sub?: ReactNode;
  chart?: ReactNode;
  tone?: "good" | "bad" | "warn";
  testId?: string;
}) {
  return (
    <div className={`kpi ${tone ?? ""}`} data-testid={testId}>
      <div className="kpi-label">{label}</div>
      <div className="kpi-value" data-testid={testId ? `${testId}-value` : undefined}>
        {value}
      </div>
      {sub && <div className="kpi-sub">{sub}</div>}
      {chart}
    </div>
  );
}

const STATUS_TONE: Record<string, string> = {
  succeeded: "good",
  approved: "good",
  up: "good",
  down: "bad",
  closed: "good",
  reverted: "bad",
  failed: "bad",
  rejected: "bad",
  dropped: "bad",
  replaced: "bad",
  pending: "info",
  cancelled: "bad",
  open: "bad",
  critical: "bad",
  error: "bad",
  declined: "muted",
  detected: "info",
  submitted: "info",
  simulated: "info",
  warning: "warn",
  info: "info",
  // Cross-chain trades, legs, transfers, exposures and inventory bands.
  done: "good",
  partial: "warn",
  unwound: "muted",
  landed: "good",
  planned: "info",
  sent: "info",
  deposited: "info",
  arrived: "good",
  stuck: "bad",
  unwinding: "warn",
  ok: "good",
  low: "warn",
  high: "warn",
};

export function Badge({ value, testId }: { value: string; testId?: string }) {
  return (
    <span className={`badge ${STATUS_TONE[value] ?? "muted"}`} data-testid={testId}>
      {value}
    </span>
  );
}

/** A fee in pips as a percentage: 500 → 0.05%. */
export function formatFeePips(feePips: number): string {
  return `${Number((feePips / 10_000).toPrecision(6))}%`;
}

/** A hop's token, marked "native" where the pool holds the native coin itself for it (the
 * executor unwraps or wraps it). */
function HopToken({
  symbol,
  token,
  currency,
}: {
  symbol: string | null;
  token: string;
  currency?: string | null;
}) {
  return (
    <>
      {symbol ?? shortHex(token)}
      {currency ? (
        <span className="muted" data-testid="hop-native">
          {" "}
          (native)
        </span>
      ) : null}
    </>
  );
}

/** Each hop of a trade: tokens in and out, the protocol (pool kind), the DEX, the fee tier and
 * the pool's address. */
export function HopsView({ hops, testId }: { hops: HopItem[]; testId?: string }) {
  return (
    <ol className="hops" data-testid={testId}>
      {hops.map((hop, i) => (
        <li key={`${hop.pool}-${i}`} className="hop" data-testid="hop">
          <span className="hop-tokens">
            <HopToken symbol={hop.symbol_in} token={hop.token_in} currency={hop.currency_in} /> →{" "}
            <HopToken symbol={hop.symbol_out} token={hop.token_out} currency={hop.currency_out} />
          </span>{" "}
          <span className="badge muted hop-kind" data-testid="hop-kind">
            {hop.kind}
          </span>{" "}
          <span data-testid="hop-dex">{hop.dex}</span>{" "}
          <span className="muted" data-testid="hop-fee">
            {formatFeePips(hop.fee_pips)}
          </span>{" "}
          <code data-testid="hop-pool">{hop.pool}</code>
        </li>
      ))}
    </ol>
  );
}

/** A cycle's tokens, e.g. WETH → USDC → WETH; with `dexes`, each arrow names its DEX (in a
 * tooltip when `compact`, for table rows), and with `kinds` its protocol too. */
export function RouteView({
  route,
  dexes,
  kinds,
  compact = false,
  testId,
}: {
  route: string[];
  dexes?: string[] | undefined;
  kinds?: string[] | undefined;
  compact?: boolean;
  testId?: string;
}) {
  return (
    <span className="route" data-testid={testId}>
      {route.map((symbol, i) => {
        const dex = dexes?.[i - 1];
        const kind = kinds?.[i - 1];
        const title = dex && kind && kind !== dex ? `${dex} (${kind})` : dex;
        return (
          <span key={i} className="route-step">
            {i > 0 && (
              <span className="route-arrow" title={title}>
                {title && !compact ? <small>{title}</small> : null}→
              </span>
            )}
            <span className="token">{symbol}</span>
          </span>
        );
      })}
    </span>
  );
}

export function decimalsOf(
  decimals: Record<string, number>,
  chainId: number,
  token: string,
  given?: number | null,
): number | null {
  return given ?? decimals[tokenKey(chainId, token)] ?? null;
}

/** An amount in whole tokens when the decimals are known, the exact base units beside it. */
export function TokenAmountView({
  amount,
  decimals,
  symbol,
  exact = false,
  testId,
}: {
  amount: Amount | null;
  decimals: number | null;
  symbol: string | null;
  exact?: boolean;
  testId?: string;
}) {
  if (amount === null) return <span className="muted">—</span>;
  const whole = decimals === null ? null : formatUnits(amount, decimals, 8);
  return (
    <span className="amount" data-testid={testId} title={`${amount} base units`}>
      {whole !== null && (
        <span className="amount-whole" data-testid={testId ? `${testId}-whole` : undefined}>
          {whole} {symbol ?? ""}
        </span>
      )}
      {(exact || whole === null) && (
        <span className="amount-wei" data-testid={testId ? `${testId}-wei` : undefined}>
          {formatWei(amount)}
          {whole === null && symbol ? ` ${symbol} base units` : " base units"}
        </span>
      )}
    </span>
  );
}

export function Hex({ value }: { value: string | null }) {
  return (
    <code className="hex" title={value ?? undefined}>
      {shortHex(value)}
    </code>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

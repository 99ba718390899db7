// Amounts and figures for display. Amounts in base units arrive as decimal strings and are
// read with BigInt only: a Number would round anything past 2**53 wei (0.009 ETH).

import type { Amount } from "./types";

const INTEGER = /^-?\d+$/;

/** The amount as a BigInt; null for a missing or malformed value (never a rounded one). */
export function toBigInt(amount: Amount | null | undefined): bigint | null {
  if (amount == null || !INTEGER.test(amount)) return null;
  return BigInt(amount);
}

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * `amount` base units in whole units with `decimals` places, e.g. ("1500000", 6) -> "1.5".
 * The fraction is cut (not rounded) to `maxFraction` digits, so a shown figure never claims
 * more than was there; without decimals the base units are shown as they are.
 */
export function formatUnits(
  amount: Amount | bigint | null | undefined,
  decimals: number | null | undefined,
  maxFraction = 6,
): string {
  const value = typeof amount === "bigint" ? amount : toBigInt(amount);
  if (value === null) return "—";
  const negative = value < 0n;
  const magnitude = negative ? -value : value;
  if (decimals == null || decimals <= 0) {
    return (negative ? "-" : "") + groupThousands(magnitude.toString());
  }
  const scale = 10n ** BigInt(decimals);
  const whole = magnitude / scale;
  const fraction = (magnitude % scale)
    .toString()
    .padStart(decimals, "0")
    .slice(0, maxFraction)
    .replace(/0+$/, "");
  if (whole === 0n && !fraction && magnitude > 0n) {
    // Not zero, just below what is shown: say so rather than print a false 0.
    return `${negative ? ">-" : "<"}0.${"0".repeat(Math.max(0, Math.min(maxFraction, decimals) - 1))}1`;
  }
  const text = groupThousands(whole.toString()) + (fraction ? `.${fraction}` : "");
  return (negative ? "-" : "") + text;
}

/** Base units exactly, digits grouped: what the chain says, to the wei. */
export function formatWei(amount: Amount | bigint | null | undefined): string {
  return formatUnits(amount, 0);
}

/** A gas price in gwei (wei / 10**9). */
export function formatGwei(wei: Amount | null | undefined): string {
  return wei == null ? "—" : `${formatUnits(wei, 9, 4)} gwei`;
}

/** An amount of the chain's native coin (18 decimals on every supported chain). */
export function formatNative(wei: Amount | null | undefined): string {
  return formatUnits(wei, 18, 8);
}

/** a - b in base units, exactly; null when either is missing. */
export function difference(a: Amount | null | undefined, b: Amount | null | undefined): bigint | null {
  const left = toBigInt(a);
  const right = toBigInt(b);
  return left === null || right === null ? null : left - right;
}

const USD = new Intl.NumberFormat("en-US", {
  style: "currency",
  currency: "USD",
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});

/** A USD figure (a float from the API: display only). */
export function formatUsd(value: number | null | undefined): string {
  return value == null || !Number.isFinite(value) ? "—" : USD.format(value);
}

const USD_COMPACT = new Intl.NumberFormat("en-US", {
  style: "currency",
  currency: "USD",
  notation: "compact",
  maximumFractionDigits: 1,
});

/** A USD figure in few characters ($329.8K), for chart axes. */
export function formatUsdCompact(value: number): string {
  return Math.abs(value) < 1000 ? formatUsd(value) : USD_COMPACT.format(value);
}

// The native coin of each supported chain (every one has 18 decimals).
const NATIVE_SYMBOLS: Record<string, string> = {
  ethereum: "ETH",
  bnb: "BNB",
  polygon: "POL",
  arbitrum: "ETH",
  optimism: "ETH",
};

export function nativeSymbol(chain: string): string {
  return NATIVE_SYMBOLS[chain] ?? "native";
}

/** A share as a percentage, e.g. 0.987 -> "98.7%". */
export function formatPercent(share: number | null | undefined): string {
  return share == null || !Number.isFinite(share) ? "—" : `${(share * 100).toFixed(1)}%`;
}

/** A latency in milliseconds, with precision that suits its size. */
export function formatMs(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return "—";
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  return `${ms.toFixed(ms >= 10 ? 1 : 2)} ms`;
}

/** A rate per second. */
export function formatRate(perSecond: number | null | undefined): string {
  return perSecond == null || !Number.isFinite(perSecond) ? "—" : `${perSecond.toFixed(2)}/s`;
}

/** An ISO time as the local wall-clock time (with the date when not today). */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const today = new Date().toDateString() === at.toDateString();
  return today ? at.toLocaleTimeString() : at.toLocaleString();
}

/** A duration in seconds as "3d 4h", "2h 5m", "4m 10s" or "12s". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

/** A hash or address shortened for a table cell: 0x1234…abcd. */
export function shortHex(hex: string | null | undefined): string {
  if (!hex) return "—";
  return hex.length > 14 ? `${hex.slice(0, 6)}…${hex.slice(-4)}` : hex;
}

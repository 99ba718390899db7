// The dashboard's state and how each REST answer or live message changes it (a pure reducer,
// so every view renders from one consistent snapshot).

import type { LiveState } from "./live";
import type {
  AlertItem,
  BreakerStatus,
  BreakerTripItem,
  LiveMessage,
  OpportunityItem,
  PnlBody,
  StatsBody,
  StatusBody,
  TokenAmount,
  TradeItem,
} from "./types";

const MAX_OPPORTUNITIES = 300;
const MAX_TRADES = 500;
const MAX_ALERTS = 300;
const RATE_WINDOW_MS = 5 * 60_000;

/** Total opportunities across chains at a stats tick: the opportunities-per-second series. */
export interface RateSample {
  atMs: number;
  opportunities: number;
}

export type AuthState = "checking" | "needed" | "ok";

export interface DashboardState {
  auth: AuthState;
  authMessage: string | null;
  token: string | null;
  status: StatusBody | null;
  statusAtMs: number;
  live: LiveState;
  liveAttempt: number;
  stats: StatsBody | null;
  rate: RateSample[];
  /** Arrival times of live opportunity messages (the rate when no stats are attached). */
  arrivalsMs: number[];
  opportunities: OpportunityItem[];
  trades: TradeItem[];
  pnl: PnlBody | null;
  alerts: AlertItem[];
  breaker: BreakerStatus | null;
  breakerAttached: boolean;
  trips: BreakerTripItem[];
  /** Token decimals by `chainId:address` (lower case), gathered from every body that has them. */
  decimals: Record<string, number>;
  error: string | null;
}

export type Action =
  | { type: "auth"; auth: AuthState; token: string | null; message?: string | null }
  | { type: "status"; status: StatusBody; atMs: number }
  | { type: "live"; state: LiveState; attempt: number }
  | { type: "messages"; messages: LiveMessage[]; atMs: number }
  | { type: "trades"; trades: TradeItem[] }
  | { type: "opportunities"; opportunities: OpportunityItem[] }
  | { type: "pnl"; pnl: PnlBody }
  | { type: "alerts"; alerts: AlertItem[] }
  | { type: "breaker"; breaker: BreakerStatus | null }
  | { type: "trips"; trips: BreakerTripItem[] }
  | { type: "error"; message: string | null };

export function initialState(token: string | null): DashboardState {
  return {
    auth: "checking",
    authMessage: null,
    token,
    status: null,
    statusAtMs: 0,
    live: "connecting",
    liveAttempt: 0,
    stats: null,
    rate: [],
    arrivalsMs: [],
    opportunities: [],
    trades: [],
    pnl: null,
    alerts: [],
    breaker: null,
    breakerAttached: true,
    trips: [],
    decimals: {},
    error: null,
  };
}

export function tokenKey(chainId: number, token: string): string {
  return `${chainId}:${token.toLowerCase()}`;
}

function withDecimals(
  known: Record<string, number>,
  entries: Iterable<[number, string, number | null | undefined]>,
): Record<string, number> {
  let next = known;
  for (const [chainId, token, decimals] of entries) {
    if (decimals == null) continue;
    const key = tokenKey(chainId, token);
    if (next[key] === decimals) continue;
    if (next === known) next = { ...known };
    next[key] = decimals;
  }
  return next;
}

function* amountDecimals(chainId: number, amounts: TokenAmount[]): Iterable<[number, string, number | null]> {
  for (const amount of amounts) yield [chainId, amount.token, amount.decimals];
}

const SETTLED = new Set(["succeeded", "reverted", "dropped", "cancelled"]);

function tradeTimeMs(trade: TradeItem): number {
  return Date.parse(trade.settled_at ?? trade.submitted_at ?? "") || 0;
}

/** The better of two views of one trade: a settled one over a pending one, then the stored one
 * (it has `execution_id`) over the live message. */
function preferred(current: TradeItem, incoming: TradeItem): TradeItem {
  const settledNow = SETTLED.has(current.status);
  const settledIncoming = SETTLED.has(incoming.status);
  if (settledNow !== settledIncoming) return settledIncoming ? incoming : current;
  if (incoming.execution_id === null && current.execution_id !== null) {
    return { ...current, detect_to_submit_ms: current.detect_to_submit_ms ?? incoming.detect_to_submit_ms };
  }
  return incoming;
}

export function mergeTrades(existing: TradeItem[], incoming: TradeItem[]): TradeItem[] {
  const byId = new Map(existing.map((trade) => [trade.opportunity_id, trade]));
  for (const trade of incoming) {
    const current = byId.get(trade.opportunity_id);
    byId.set(trade.opportunity_id, current ? preferred(current, trade) : trade);
  }
  return [...byId.values()].sort((a, b) => tradeTimeMs(b) - tradeTimeMs(a)).slice(0, MAX_TRADES);
}

function mergeById<T extends { id: string }>(newer: T[], older: T[], limit: number): T[] {
  const seen = new Set<string>();
  const merged: T[] = [];
  for (const item of [...newer, ...older]) {
    if (seen.has(item.id)) continue;
    seen.add(item.id);
    merged.push(item);
    if (merged.length >= limit) break;
  }
  return merged;
}

function onMessage(state: DashboardState, message: LiveMessage, atMs: number): DashboardState {
  switch (message.type) {
    case "opportunity": {
      const item = message.data;
      return {
        ...state,
        opportunities: mergeById([item], state.opportunities, MAX_OPPORTUNITIES),
        arrivalsMs: [...state.arrivalsMs.filter((t) => atMs - t < 60_000), atMs],
        decimals: withDecimals(state.decimals, [[item.chain_id, item.profit_token, item.profit_decimals]]),
      };
    }
    case "trade":
      return {
        ...state,
        trades: mergeTrades(state.trades, [message.data]),
        decimals: withDecimals(state.decimals, [
          [message.data.chain_id, message.data.profit_token, message.data.profit_decimals],
        ]),
      };
    case "alert":
      return { ...state, alerts: mergeById([message.data], state.alerts, MAX_ALERTS) };
    case "breaker":
      return { ...state, breaker: message.data, breakerAttached: true };
    case "stats": {
      const stats = message.data;
      const at = Date.parse(stats.at) || atMs;
      const total = stats.chains.reduce((sum, chain) => sum + chain.opportunities, 0);
      const rate = [
        ...state.rate.filter((s) => at - s.atMs < RATE_WINDOW_MS && s.atMs < at),
        {
          atMs: at,
          opportunities: total,
        },
      ];
      return {
        ...state,
        stats,
        rate,
        decimals: withDecimals(
          state.decimals,
          stats.chains.flatMap((c) => [...amountDecimals(c.chain_id, c.realized_profit)]),
        ),
      };
    }
    default:
      return state;
  }
}

export function reducer(state: DashboardState, action: Action): DashboardState {
  switch (action.type) {
    case "auth":
      return { ...state, auth: action.auth, token: action.token, authMessage: action.message ?? null };
    case "status":
      return { ...state, status: action.status, statusAtMs: action.atMs, error: null };
    case "live":
      return { ...state, live: action.state, liveAttempt: action.attempt };
    case "messages":
      return action.messages.reduce((next, message) => onMessage(next, message, action.atMs), state);
    case "trades":
      return { ...state, trades: mergeTrades(state.trades, action.trades) };
    case "opportunities":
      return {
        ...state,
        opportunities: mergeById(state.opportunities, action.opportunities, MAX_OPPORTUNITIES),
        decimals: withDecimals(
          state.decimals,
          action.opportunities.map((o) => [o.chain_id, o.profit_token, o.profit_decimals]),
        ),
      };
    case "pnl":
      return {
        ...state,
        pnl: action.pnl,
        decimals: withDecimals(
          state.decimals,
          action.pnl.chains.flatMap((c) => [...amountDecimals(c.chain_id, c.realized_profit)]),
        ),
      };
    case "alerts":
      return { ...state, alerts: mergeById(state.alerts, action.alerts, MAX_ALERTS) };
    case "breaker":
      return { ...state, breaker: action.breaker, breakerAttached: action.breaker !== null };
    case "trips":
      return { ...state, trips: action.trips };
    case "error":
      return { ...state, error: action.message };
    default:
      return state;
  }
}

/** Opportunities per second now: from the stats ticks over the last 10 s, else from the live
 * opportunity messages over the last 10 s. */
export function opportunitiesPerSecond(state: DashboardState, nowMs: number): number | null {
  const samples = state.rate;
  const last = samples[samples.length - 1];
  if (last) {
    const first = samples.find((s) => last.atMs - s.atMs <= 10_000) ?? last;
    if (last.atMs > first.atMs) {
      return Math.max(0, (last.opportunities - first.opportunities) / ((last.atMs - first.atMs) / 1000));
    }
    return null;
  }
  if (state.live !== "open") return null;
  return state.arrivalsMs.filter((t) => nowMs - t <= 10_000).length / 10;
}

/** The opportunities-per-second series between consecutive stats ticks (for a sparkline). */
export function rateSeries(samples: RateSample[]): number[] {
  const series: number[] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    const seconds = (b.atMs - a.atMs) / 1000;
    if (seconds > 0) series.push(Math.max(0, (b.opportunities - a.opportunities) / seconds));
  }
  return series;
}

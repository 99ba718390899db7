// The REST client: every request relative to the page (the API serves the dashboard), with
// the bearer token when one is set. A 401 is its own error so the app can ask for a token.

import type {
  AlertItem,
  BreakerStatus,
  BreakerTripItem,
  OpportunityItem,
  PnlBody,
  StatusBody,
  TradeItem,
} from "./types";
import type { BridgeTransferItem, CrossChainTradeItem, ExposureItem, InventoryBody } from "./crosschain";
import type { ClusterWorkerItem } from "./cluster";
import type { ModelStatus } from "./model";
import type { ParamsBody } from "./params";

const TOKEN_KEY = "omniarb.apiToken";

/** The API answered 401: no token, or not the right one. */
export class UnauthorizedError extends Error {
  constructor() {
    super("the API wants a token");
    this.name = "UnauthorizedError";
  }
}

/** The API answered another error status (503: a part is not attached or not reachable). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(detail);
    this.name = "ApiError";
  }
}

/** The token of this browser tab (sessionStorage: gone when the tab closes). */
export function loadToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function saveToken(token: string | null): void {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage refused (private mode): the token lives in memory for this page only.
  }
}

function endpoint(path: string): URL {
  return new URL(path.replace(/^\//, ""), document.baseURI);
}

async function request<T>(path: string, token: string | null, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  headers.set("Accept", "application/json");
  if (token) headers.set("Authorization", `Bearer ${token}`);
  const response = await fetch(endpoint(path), { ...init, headers, cache: "no-store" });
  if (response.status === 401) throw new UnauthorizedError();
  if (!response.ok) {
    let detail = `${response.status} ${response.statusText}`;
    try {
      const body: unknown = await response.json();
      if (body && typeof body === "object" && "detail" in body) {
        const value = (body as { detail: unknown }).detail;
        detail = typeof value === "string" ? value : JSON.stringify(value);
      }
    } catch {
      // Not JSON: the status line says enough.
    }
    throw new ApiError(response.status, detail);
  }
  return (await response.json()) as T;
}

function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined) search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** The API's routes, bound to one token. */
export class Api {
  constructor(readonly token: string | null) {}

  status(): Promise<StatusBody> {
    return request("/status", this.token);
  }

  trades(params: { chain?: string; status?: string; limit?: number } = {}): Promise<TradeItem[]> {
    return request(`/trades${query(params)}`, this.token);
  }

  opportunities(
    params: { chain?: string; status?: string; limit?: number } = {},
  ): Promise<OpportunityItem[]> {
    return request(`/opportunities${query(params)}`, this.token);
  }

  pnl(points = 1000): Promise<PnlBody> {
    return request(`/pnl${query({ points })}`, this.token);
  }

  alerts(limit = 100): Promise<AlertItem[]> {
    return request(`/alerts${query({ limit })}`, this.token);
  }

  /** The profit predictor in use, or why the baseline decides. */
  model(): Promise<ModelStatus> {
    return request("/model", this.token);
  }

  breaker(): Promise<BreakerStatus> {
    return request("/breaker", this.token);
  }

  breakerTrips(limit = 20): Promise<BreakerTripItem[]> {
    return request(`/breaker/trips${query({ limit })}`, this.token);
  }

  tripBreaker(reason: string): Promise<BreakerStatus> {
    return request("/breaker/trip", this.token, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ reason }),
    });
  }

  /** Reset the global breaker, or `chain`'s own. */
  resetBreaker(chain?: string): Promise<BreakerStatus> {
    return request(`/breaker/reset${query({ chain })}`, this.token, { method: "POST" });
  }

  /** Each chain's tuned parameters and the optimizer's changes (`src/params.tsx`). */
  params(limit = 50): Promise<ParamsBody> {
    return request(`/params${query({ limit })}`, this.token);
  }

  /** Cross-chain trades, newest first, each with its legs. */
  crossChainTrades(limit = 100): Promise<CrossChainTradeItem[]> {
    return request(`/cross-chain/trades${query({ limit })}`, this.token);
  }

  /** Bridge transfers: those in flight, or the newest of any status. */
  bridgeTransfers(state: "in_flight" | "all" = "in_flight", limit = 100): Promise<BridgeTransferItem[]> {
    return request(`/cross-chain/transfers${query({ state, limit })}`, this.token);
  }

  /** The exposures failed legs left open. */
  exposures(): Promise<ExposureItem[]> {
    return request("/cross-chain/exposures", this.token);
  }

  /** The running bot's inventory per chain (503 without one). */
  inventory(): Promise<InventoryBody> {
    return request("/cross-chain/inventory", this.token);
  }

  /** Every process of the scaled-out cluster (503 when this API has no worker registry). */
  clusterWorkers(): Promise<ClusterWorkerItem[]> {
    return request("/cluster/workers", this.token);
  }

  /** The WebSocket's URL: browsers cannot set headers on it, so the token goes in the query. */
  liveUrl(): string {
    const url = endpoint("/ws");
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    if (this.token) url.searchParams.set("token", this.token);
    return url.toString();
  }
}

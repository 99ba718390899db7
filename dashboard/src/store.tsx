// The provider that talks to the API: checks auth, loads the history once, keeps the live
// stream open, refreshes what the stream does not carry, and exposes the operator's actions.

import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useReducer,
  useRef,
  useState,
  type Dispatch,
  type ReactNode,
} from "react";
import { Api, ApiError, UnauthorizedError, loadToken, saveToken } from "./api";
import { LiveConnection } from "./live";
import { initialState, reducer, type Action, type DashboardState } from "./state";
import type { LiveMessage } from "./types";

const POLL_MS = 5_000;
// Live messages are applied in batches: at hundreds of opportunities a second, one render per
// batch instead of one per message keeps the page responsive.
const BATCH_MS = 200;
// The history writer batches rows off the hot path: read /trades a moment after a live trade.
const TRADE_REFRESH_DELAY_MS = 1_500;

export interface Dashboard {
  state: DashboardState;
  api: Api;
  signIn: (token: string) => Promise<void>;
  signOut: () => void;
  tripBreaker: (reason: string) => Promise<void>;
  resetBreaker: (chain?: string) => Promise<void>;
  /** Hear every live message as it arrives (a page's own view); returns the unsubscribe. */
  listen: (listener: LiveListener) => () => void;
}

export type LiveListener = (message: LiveMessage) => void;

const DashboardContext = createContext<Dashboard | null>(null);

export function useDashboard(): Dashboard {
  const value = useContext(DashboardContext);
  if (value === null) throw new Error("useDashboard outside DashboardProvider");
  return value;
}

function describe(error: unknown): string {
  if (error instanceof ApiError) return `API ${error.status}: ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Run `load`; a 401 sends the operator to the token prompt, another error to the banner. */
function guarded(dispatch: Dispatch<Action>, token: string | null) {
  return async (load: () => Promise<void>): Promise<void> => {
    try {
      await load();
    } catch (error) {
      if (error instanceof UnauthorizedError) {
        saveToken(null);
        dispatch({
          type: "auth",
          auth: "needed",
          token: null,
          message: token ? "The API refused that token." : null,
        });
      } else {
        dispatch({ type: "error", message: describe(error) });
      }
    }
  };
}

export function DashboardProvider({ children }: { children: ReactNode }) {
  const [state, dispatch] = useReducer(reducer, undefined, () => initialState(loadToken()));
  const [authAttempt, setAuthAttempt] = useState(0);
  const api = useMemo(() => new Api(state.token), [state.token]);
  const tradeTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const listeners = useRef(new Set<LiveListener>());

  // Auth: is the API open to us (loopback, or the token we hold)?
  useEffect(() => {
    if (state.auth !== "checking") return;
    let cancelled = false;
    api
      .status()
      .then((status) => {
        if (cancelled) return;
        dispatch({ type: "status", status, atMs: Date.now() });
        dispatch({ type: "auth", auth: "ok", token: api.token });
      })
      .catch((error: unknown) => {
        if (cancelled) return;
        if (error instanceof UnauthorizedError) {
          saveToken(null);
          dispatch({
            type: "auth",
            auth: "needed",
            token: null,
            message: api.token ? "The API refused that token." : null,
          });
        } else {
          dispatch({ type: "error", message: describe(error) });
          // Not reachable yet (bot starting): try again shortly.
          setTimeout(() => !cancelled && setAuthAttempt((n) => n + 1), 2000);
        }
      });
    return () => {
      cancelled = true;
    };
  }, [api, state.auth, authAttempt]);

  const ready = state.auth === "ok";

  const refreshTrades = useCallback(async () => {
    const trades = await api.trades({ limit: 200 });
    dispatch({ type: "trades", trades });
  }, [api]);

  const refreshBreaker = useCallback(async () => {
    try {
      dispatch({ type: "breaker", breaker: await api.breaker() });
      dispatch({ type: "trips", trips: await api.breakerTrips(20) });
    } catch (error) {
      if (error instanceof ApiError && error.status === 503) {
        dispatch({ type: "breaker", breaker: null });
      } else {
        throw error;
      }
    }
  }, [api]);

  // Trips are stored by the history writer a moment after they happen: read now and again.
  const refreshTrips = useCallback(async () => {
    dispatch({ type: "trips", trips: await api.breakerTrips(20) });
    await new Promise((resolve) => setTimeout(resolve, TRADE_REFRESH_DELAY_MS));
    dispatch({ type: "trips", trips: await api.breakerTrips(20) });
  }, [api]);

  const refreshAll = useCallback(async () => {
    const run = guarded(dispatch, api.token);
    await Promise.all([
      run(async () => dispatch({ type: "status", status: await api.status(), atMs: Date.now() })),
      run(async () => dispatch({ type: "pnl", pnl: await api.pnl() })),
      run(refreshTrades),
      run(async () =>
        dispatch({ type: "opportunities", opportunities: await api.opportunities({ limit: 100 }) }),
      ),
      run(async () => dispatch({ type: "alerts", alerts: await api.alerts(100) })),
      run(refreshBreaker),
    ]);
  }, [api, refreshTrades, refreshBreaker]);

  // The history once, then the live stream, then a slow poll for what the stream lacks.
  useEffect(() => {
    if (!ready) return;
    void refreshAll();
    const run = guarded(dispatch, api.token);
    let batch: LiveMessage[] = [];
    let batchTimer: ReturnType<typeof setTimeout> | null = null;
    const flush = () => {
      batchTimer = null;
      const messages = batch;
      batch = [];
      dispatch({ type: "messages", messages, atMs: Date.now() });
    };
    const onMessage = (message: LiveMessage) => {
      for (const listener of listeners.current) listener(message);
      batch.push(message);
      batchTimer ??= setTimeout(flush, BATCH_MS);
      if (message.type === "trade") {
        // At most one refresh per delay, however many trades arrive meanwhile.
        tradeTimer.current ??= setTimeout(() => {
          tradeTimer.current = null;
          void run(refreshTrades);
          void run(async () => dispatch({ type: "pnl", pnl: await api.pnl() }));
        }, TRADE_REFRESH_DELAY_MS);
      } else if (message.type === "breaker") {
        void run(refreshTrips);
      }
    };
    const live = new LiveConnection({
      url: () => api.liveUrl(),
      onMessage,
      onState: (liveState, attempt) => {
        dispatch({ type: "live", state: liveState, attempt });
        // A refused handshake looks like any drop: ask /status whether the token still works.
        if (liveState === "reconnecting" && attempt > 0) {
          void run(async () => dispatch({ type: "status", status: await api.status(), atMs: Date.now() }));
        }
      },
      onReconnected: () => void refreshAll(),
    });
    live.start();
    const poll = setInterval(() => {
      void run(async () => dispatch({ type: "status", status: await api.status(), atMs: Date.now() }));
      void run(async () => dispatch({ type: "pnl", pnl: await api.pnl() }));
    }, POLL_MS);
    return () => {
      live.stop();
      clearInterval(poll);
      if (batchTimer !== null) clearTimeout(batchTimer);
      if (tradeTimer.current !== null) clearTimeout(tradeTimer.current);
    };
  }, [ready, api, refreshAll, refreshTrades, refreshTrips]);

  const signIn = useCallback(async (token: string) => {
    saveToken(token);
    dispatch({ type: "auth", auth: "checking", token });
  }, []);

  const signOut = useCallback(() => {
    saveToken(null);
    dispatch({ type: "auth", auth: "checking", token: null });
  }, []);

  const tripBreaker = useCallback(
    async (reason: string) => {
      dispatch({ type: "breaker", breaker: await api.tripBreaker(reason) });
      void guarded(dispatch, api.token)(refreshTrips);
    },
    [api, refreshTrips],
  );

  const resetBreaker = useCallback(
    async (chain?: string) => {
      dispatch({ type: "breaker", breaker: await api.resetBreaker(chain) });
      void guarded(dispatch, api.token)(refreshTrips);
    },
    [api, refreshTrips],
  );

  const listen = useCallback((listener: LiveListener) => {
    listeners.current.add(listener);
    return () => {
      listeners.current.delete(listener);
    };
  }, []);

  const value = useMemo(
    () => ({ state, api, signIn, signOut, tripBreaker, resetBreaker, listen }),
    [state, api, signIn, signOut, tripBreaker, resetBreaker, listen],
  );
  return <DashboardContext.Provider value={value}>{children}</DashboardContext.Provider>;
}

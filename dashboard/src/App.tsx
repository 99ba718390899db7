// The frame: header (version, uptime, live link, breaker), navigation, and the page of the
// current hash route — or the token prompt when the API wants a token.

import { useEffect, useState, type FormEvent } from "react";
import { href, useRoute, type Page } from "./router";
import { useDashboard } from "./store";
import { formatDuration } from "./units";
import { Alerts } from "./pages/Alerts";
import { Breaker } from "./pages/Breaker";
import { Cluster } from "./pages/Cluster";
import { CrossChain } from "./pages/CrossChain";
import { Live } from "./pages/Live";
import { Overview } from "./pages/Overview";
import { Rejected } from "./pages/Rejected";
import { Trade } from "./pages/Trade";
import { Trades } from "./pages/Trades";

const NAV: { page: Page; label: string }[] = [
  { page: "overview", label: "Overview" },
  { page: "live", label: "Live" },
  { page: "trades", label: "Trades" },
  { page: "crosschain", label: "Cross-chain" },
  { page: "cluster", label: "Cluster" },
  { page: "rejected", label: "Rejected" },
  { page: "alerts", label: "Alerts" },
  { page: "breaker", label: "Breaker" },
];

function TokenPrompt() {
  const { state, signIn } = useDashboard();
  const [token, setToken] = useState("");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (token.trim()) void signIn(token.trim());
  };
  return (
    <div className="prompt-wrap">
      <form className="card prompt" onSubmit={submit} data-testid="token-prompt">
        <h1>omni-arb</h1>
        <p>
          This API needs its token (the value of <code>OMNIARB_API_TOKEN</code>).
        </p>
        <input
          type="password"
          autoFocus
          autoComplete="off"
          placeholder="API token"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          aria-label="API token"
          data-testid="token-input"
        />
        <button type="submit" disabled={!token.trim()} data-testid="token-submit">
          Connect
        </button>
        {state.authMessage && <p className="bad-text">{state.authMessage}</p>}
        <p className="muted small">Kept in this tab only (sessionStorage).</p>
      </form>
    </div>
  );
}

function Uptime() {
  const { state } = useDashboard();
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  if (!state.status) return null;
  return <span>up {formatDuration(state.status.uptime_s + (now - state.statusAtMs) / 1000)}</span>;
}

function Header({ page }: { page: Page }) {
  const { state, signOut } = useDashboard();
  const status = state.status;
  const breaker = state.breaker?.state ?? status?.breaker ?? null;
  const liveText =
    state.live === "open"
      ? "live"
      : state.live === "reconnecting"
        ? `reconnecting (${state.liveAttempt})`
        : state.live;
  return (
    <header className="top">
      <div className="brand">
        <a href={href("overview")}>omni-arb</a>
        {status && <span className="muted small">v{status.version}</span>}
      </div>
      <nav>
        {NAV.map((item) => (
          <a
            key={item.page}
            href={href(item.page)}
            className={page === item.page || (page === "trade" && item.page === "trades") ? "active" : ""}
            data-testid={`nav-${item.page}`}
          >
            {item.label}
          </a>
        ))}
      </nav>
      <div className="meta">
        {status && <span>{status.chains.length ? status.chains.join(" · ") : "no chains"}</span>}
        <Uptime />
        <span className={`live-dot ${state.live}`} data-testid="live-state" data-state={state.live}>
          {liveText}
        </span>
        {breaker && (
          <a
            href={href("breaker")}
            className={`badge ${breaker === "open" ? "bad" : "good"}`}
            data-testid="header-breaker"
          >
            breaker {breaker}
          </a>
        )}
        {status?.auth === "token" && (
          <button className="ghost small" onClick={signOut}>
            sign out
          </button>
        )}
      </div>
    </header>
  );
}

export function App() {
  const { state } = useDashboard();
  const route = useRoute();
  if (state.auth === "needed") return <TokenPrompt />;
  if (state.auth === "checking") {
    return (
      <div className="prompt-wrap">
        <p className="muted">{state.error ? `Waiting for the API: ${state.error}` : "Connecting…"}</p>
      </div>
    );
  }
  const tripped = state.breaker?.state === "open" ? state.breaker.trip : null;
  return (
    <>
      <Header page={route.page} />
      {tripped && (
        <div className="banner bad" data-testid="breaker-banner">
          Circuit breaker open: trading stopped — {tripped.detail || tripped.reason}.{" "}
          <a href={href("breaker")}>Breaker</a>
        </div>
      )}
      {state.error && <div className="banner warn">{state.error}</div>}
      <main>
        {route.page === "overview" && <Overview />}
        {route.page === "live" && <Live />}
        {route.page === "trades" && <Trades />}
        {route.page === "trade" && <Trade id={route.param} />}
        {route.page === "crosschain" && <CrossChain />}
        {route.page === "cluster" && <Cluster />}
        {route.page === "rejected" && <Rejected />}
        {route.page === "alerts" && <Alerts />}
        {route.page === "breaker" && <Breaker />}
      </main>
    </>
  );
}

// The circuit breaker: its state and current trip, trip it with a reason, reset it, each
// chain's own breaker (with per-chain breakers) with its reset, and the trips recorded so far.

import { useState, type FormEvent } from "react";
import { Badge, Card, Empty } from "../components";
import { useDashboard } from "../store";
import { formatTime, formatUsd } from "../units";

export function Breaker() {
  const { state, tripBreaker, resetBreaker } = useDashboard();
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const breaker = state.breaker;

  const act = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  const onTrip = (event: FormEvent) => {
    event.preventDefault();
    const text = reason.trim();
    if (!text) return;
    void act(async () => {
      await tripBreaker(text);
      setReason("");
    });
  };

  if (!state.breakerAttached) {
    return (
      <div className="page" data-testid="page-breaker">
        <Card title="Circuit breaker">
          <Empty>No circuit breaker is attached to this bot.</Empty>
        </Card>
      </div>
    );
  }

  const open = breaker?.state === "open";
  // Each chain's own breaker, when the bot runs with per-chain breakers.
  const chainScopes = (breaker?.scopes ?? []).filter((scope) => scope.scope !== breaker?.scope);
  // The history records a reset a moment after it happens: a trip that is not the current
  // one has been reset even while its row does not say so yet.
  const resetText = (id: string, at: string | null, by: string | null) =>
    at ? `${formatTime(at)} by ${by ?? "?"}` : breaker?.trip?.id === id ? "open" : "reset";
  return (
    <div className="page" data-testid="page-breaker">
      <div className="grid two">
        <Card title="Circuit breaker" testId="breaker-card">
          <div
            className={`breaker-state ${open ? "open" : "closed"}`}
            data-testid="breaker-state"
            data-state={breaker?.state ?? ""}
          >
            {breaker === null ? "…" : open ? "OPEN — trading stopped" : "CLOSED — trading"}
          </div>
          {breaker && <p className="muted">scope: {breaker.scope}</p>}
          {breaker?.trip && (
            <dl className="fields" data-testid="breaker-trip">
              <div className="field">
                <dt>reason</dt>
                <dd>{breaker.trip.reason}</dd>
              </div>
              <div className="field">
                <dt>detail</dt>
                <dd data-testid="breaker-detail">{breaker.trip.detail}</dd>
              </div>
              <div className="field">
                <dt>tripped</dt>
                <dd>
                  {formatTime(breaker.trip.tripped_at)} by {breaker.trip.tripped_by}
                </dd>
              </div>
              {(breaker.trip.consecutive_failures > 0 || breaker.trip.loss_usd !== 0) && (
                <div className="field">
                  <dt>at the trip</dt>
                  <dd>
                    {breaker.trip.consecutive_failures} failures in a row, loss{" "}
                    {formatUsd(breaker.trip.loss_usd)}
                  </dd>
                </div>
              )}
            </dl>
          )}
          <form className="breaker-form" onSubmit={onTrip}>
            <input
              type="text"
              placeholder="why stop trading?"
              value={reason}
              maxLength={500}
              onChange={(e) => setReason(e.target.value)}
              disabled={busy || open}
              aria-label="reason"
              data-testid="breaker-reason"
            />
            <button
              type="submit"
              className="danger"
              disabled={busy || open || !reason.trim()}
              data-testid="breaker-trip-button"
            >
              Trip breaker
            </button>
            <button
              type="button"
              disabled={busy || !open}
              onClick={() => void act(() => resetBreaker())}
              data-testid="breaker-reset-button"
            >
              Reset
            </button>
          </form>
          {error && <p className="bad-text">{error}</p>}
        </Card>
        {chainScopes.length > 0 && (
          <Card title="Per-chain breakers" testId="breaker-scopes">
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th>chain</th>
                    <th>state</th>
                    <th>trip</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {chainScopes.map((scope) => (
                    <tr key={scope.scope} data-testid={`breaker-scope-${scope.scope}`}>
                      <td>{scope.scope}</td>
                      <td data-state={scope.state}>
                        <Badge value={scope.state} />
                      </td>
                      <td>
                        {scope.trip
                          ? `${scope.trip.reason}: ${scope.trip.detail} (${formatTime(scope.trip.tripped_at)})`
                          : "—"}
                      </td>
                      <td>
                        <button
                          type="button"
                          disabled={busy || scope.state !== "open"}
                          onClick={() => void act(() => resetBreaker(scope.scope))}
                          data-testid={`breaker-scope-reset-${scope.scope}`}
                        >
                          Reset
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </Card>
        )}
        <Card title="Recent trips">
          {state.trips.length === 0 ? (
            <Empty>Never tripped.</Empty>
          ) : (
            <div className="table-wrap">
              <table data-testid="breaker-trips">
                <thead>
                  <tr>
                    <th>tripped</th>
                    <th>reason</th>
                    <th>detail</th>
                    <th>by</th>
                    <th>reset</th>
                  </tr>
                </thead>
                <tbody>
                  {state.trips.map((trip) => (
                    <tr key={trip.id}>
                      <td className="muted">{formatTime(trip.tripped_at)}</td>
                      <td>
                        <Badge value={trip.reason} />
                      </td>
                      <td>{trip.detail}</td>
                      <td>{trip.tripped_by}</td>
                      <td className="muted">{resetText(trip.id, trip.reset_at, trip.reset_by)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Card>
      </div>
    </div>
  );
}

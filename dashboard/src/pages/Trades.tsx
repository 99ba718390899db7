// Every trade the history and the live stream know of, filterable by chain and status: what
// found it (block or backrun), how it was sent, and the bribe it paid.

import { useMemo, useState } from "react";
import { Badge, Card, Empty, Hex, RouteView, TokenAmountView, decimalsOf } from "../components";
import { RivalBadge } from "../rivals";
import { href } from "../router";
import { BribeView, SourceView } from "../submission";
import { useDashboard } from "../store";
import { formatMs, formatTime, formatUsd } from "../units";
import { RealizedCheck } from "./Live";

export function Trades() {
  const { state } = useDashboard();
  const [chain, setChain] = useState("");
  const [status, setStatus] = useState("");
  const chains = useMemo(() => [...new Set(state.trades.map((t) => t.chain))].sort(), [state.trades]);
  const statuses = useMemo(() => [...new Set(state.trades.map((t) => t.status))].sort(), [state.trades]);
  const shown = state.trades.filter((t) => (!chain || t.chain === chain) && (!status || t.status === status));

  return (
    <div className="page" data-testid="page-trades">
      <Card
        title={`Trades (${shown.length})`}
        actions={
          <span className="filters">
            <select value={chain} onChange={(e) => setChain(e.target.value)} aria-label="chain">
              <option value="">all chains</option>
              {chains.map((c) => (
                <option key={c}>{c}</option>
              ))}
            </select>
            <select value={status} onChange={(e) => setStatus(e.target.value)} aria-label="status">
              <option value="">all statuses</option>
              {statuses.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </span>
        }
      >
        {shown.length === 0 ? (
          <Empty>No trades recorded yet.</Empty>
        ) : (
          <div className="table-wrap">
            <table data-testid="trades-table">
              <thead>
                <tr>
                  <th>settled</th>
                  <th>chain</th>
                  <th className="num">block</th>
                  <th>route</th>
                  <th>status</th>
                  <th>source</th>
                  <th>via</th>
                  <th>amount in</th>
                  <th>realized profit</th>
                  <th>vs predicted</th>
                  <th className="num">gas</th>
                  <th className="num">bribe</th>
                  <th className="num">net USD</th>
                  <th className="num">detect→confirm</th>
                  <th>tx</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((t) => {
                  const decimals = decimalsOf(state.decimals, t.chain_id, t.profit_token, t.profit_decimals);
                  const total =
                    t.detect_to_submit_ms == null && t.submit_to_confirm_ms == null
                      ? null
                      : (t.detect_to_submit_ms ?? 0) + (t.submit_to_confirm_ms ?? 0);
                  return (
                    <tr key={t.opportunity_id} data-testid="trade-row" data-tx={t.tx_hash ?? ""}>
                      <td className="muted time">{formatTime(t.settled_at ?? t.submitted_at)}</td>
                      <td>{t.chain}</td>
                      <td className="num">{t.block_number.toLocaleString()}</td>
                      <td>
                        <a href={href("trade", t.opportunity_id)}>
                          <RouteView
                            route={t.route}
                            dexes={t.hops?.map((h) => h.dex) ?? t.dexes}
                            kinds={t.hops?.map((h) => h.kind)}
                            compact
                          />
                        </a>
                      </td>
                      <td>
                        <Badge value={t.status} />
                        <RivalBadge trade={t} />
                        {t.tx_hash && t.final === false && (
                          <span className="muted" title="not yet past the chain's confirmation depth">
                            {" "}
                            unconfirmed
                          </span>
                        )}
                      </td>
                      <td>
                        <SourceView trade={t} />
                      </td>
                      <td data-testid="trade-channel">{t.channel ?? "—"}</td>
                      <td>
                        <TokenAmountView amount={t.amount_in} decimals={decimals} symbol={t.profit_symbol} />
                      </td>
                      <td>
                        <TokenAmountView
                          amount={t.realized_profit_wei}
                          decimals={decimals}
                          symbol={t.profit_symbol}
                        />
                      </td>
                      <td>
                        <RealizedCheck trade={t} />
                      </td>
                      <td className="num">{t.gas_used?.toLocaleString() ?? "—"}</td>
                      <td className="num">
                        <BribeView trade={t} />
                      </td>
                      <td className="num">{formatUsd(t.net_profit_usd)}</td>
                      <td className="num">{formatMs(total)}</td>
                      <td>
                        <Hex value={t.tx_hash} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </div>
  );
}

// The live feed: opportunities and trades as the WebSocket delivers them, newest first.

import { useState } from "react";
import { Badge, Card, Empty, Hex, RouteView, TokenAmountView, decimalsOf } from "../components";
import { RivalBadge } from "../rivals";
import { href } from "../router";
import { useDashboard } from "../store";
import type { OpportunityItem, TradeItem } from "../types";
import { formatTime, formatUsd, toBigInt } from "../units";

/** Whether the realized profit is the predicted one to the wei (BigInt compare). */
export function RealizedCheck({ trade }: { trade: TradeItem }) {
  const realized = toBigInt(trade.realized_profit_wei);
  const predicted = toBigInt(trade.predicted_profit_wei);
  if (realized === null || predicted === null) return <span className="muted">—</span>;
  return realized === predicted ? (
    <span className="badge good" data-testid="realized-matches" title="realized = predicted, to the wei">
      = predicted
    </span>
  ) : (
    <span className="badge warn" data-testid="realized-differs">
      {realized > predicted ? "+" : ""}
      {(realized - predicted).toString()} wei
    </span>
  );
}

export function Live() {
  const { state } = useDashboard();
  // Paused: the lists as they were, so a row can be read while trades keep arriving.
  const [paused, setPaused] = useState<{ opportunities: OpportunityItem[]; trades: TradeItem[] } | null>(
    null,
  );
  const opportunities = paused ? paused.opportunities : state.opportunities;
  const trades = paused ? paused.trades : state.trades;
  const pauseButton = (
    <button
      className="ghost"
      onClick={() => setPaused(paused ? null : { opportunities: state.opportunities, trades: state.trades })}
    >
      {paused ? "resume" : "pause"}
    </button>
  );

  return (
    <div className="page" data-testid="page-live">
      <div className="grid">
        <Card title={`Trades (${trades.length})`} actions={pauseButton} testId="live-trades">
          {trades.length === 0 ? (
            <Empty>Waiting for the first trade…</Empty>
          ) : (
            <div className="table-wrap tall">
              <table>
                <thead>
                  <tr>
                    <th>settled</th>
                    <th>chain</th>
                    <th>route</th>
                    <th>status</th>
                    <th>realized profit</th>
                    <th className="num">net USD</th>
                    <th>tx</th>
                  </tr>
                </thead>
                <tbody>
                  {trades.slice(0, 100).map((t) => (
                    <tr key={t.opportunity_id} data-testid="live-trade" data-tx={t.tx_hash ?? ""}>
                      <td className="muted time">{formatTime(t.settled_at ?? t.submitted_at)}</td>
                      <td>{t.chain}</td>
                      <td>
                        <a href={href("trade", t.opportunity_id)} data-testid="trade-link">
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
                      </td>
                      <td>
                        <div className="stack">
                          <TokenAmountView
                            amount={t.realized_profit_wei}
                            decimals={decimalsOf(
                              state.decimals,
                              t.chain_id,
                              t.profit_token,
                              t.profit_decimals,
                            )}
                            symbol={t.profit_symbol}
                          />
                          <RealizedCheck trade={t} />
                        </div>
                      </td>
                      <td className="num">{formatUsd(t.net_profit_usd)}</td>
                      <td>
                        <Hex value={t.tx_hash} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Card>
        <Card title={`Opportunities (${opportunities.length})`} testId="live-opportunities">
          {opportunities.length === 0 ? (
            <Empty>Waiting for the first opportunity…</Empty>
          ) : (
            <div className="table-wrap tall">
              <table>
                <thead>
                  <tr>
                    <th className="num">block</th>
                    <th>chain</th>
                    <th>route</th>
                    <th>net profit</th>
                    <th className="num">USD</th>
                    <th>status</th>
                  </tr>
                </thead>
                <tbody>
                  {opportunities.slice(0, 100).map((o) => (
                    <tr key={o.id} data-testid="live-opportunity">
                      <td className="num">{o.block_number.toLocaleString()}</td>
                      <td>{o.chain}</td>
                      <td>
                        <RouteView
                          route={o.route}
                          dexes={o.dexes}
                          kinds={o.hops?.map((h) => h.kind)}
                          compact
                        />
                      </td>
                      <td>
                        <TokenAmountView
                          amount={o.net_profit_wei}
                          decimals={decimalsOf(state.decimals, o.chain_id, o.profit_token, o.profit_decimals)}
                          symbol={o.profit_symbol}
                        />
                      </td>
                      <td className="num">{formatUsd(o.net_profit_usd)}</td>
                      <td>
                        <Badge value={o.status} />
                      </td>
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

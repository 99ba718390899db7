// One trade in full: its route, amounts, predicted against realized profit to the wei, gas,
// transaction and its latencies along the pipeline.

import { useEffect, useState, type ReactNode } from "react";
import { Timeline } from "../charts";
import { Badge, Card, Empty, Hex, HopsView, RouteView, TokenAmountView, decimalsOf } from "../components";
import { RivalBadge, RivalTx } from "../rivals";
import { href } from "../router";
import { StageBar, StageLegend, formatStageMs } from "../stages";
import { useDashboard } from "../store";
import { BribeView, SourceView } from "../submission";
import type { OpportunityItem, TradeItem } from "../types";
import {
  difference,
  formatGwei,
  formatMs,
  formatNative,
  formatTime,
  formatUsd,
  formatWei,
  nativeSymbol,
} from "../units";
import { RealizedCheck } from "./Live";

function Row({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="field">
      <dt>{label}</dt>
      <dd data-testid={testId}>{children}</dd>
    </div>
  );
}

export function Trade({ id }: { id: string | null }) {
  const { state, api } = useDashboard();
  const known = state.trades.find((t) => t.opportunity_id === id || (id !== null && t.tx_hash === id));
  const [fetched, setFetched] = useState<TradeItem | null>(null);
  const [opportunity, setOpportunity] = useState<OpportunityItem | null>(null);
  const [missing, setMissing] = useState(false);
  const trade = known ?? fetched;

  // A trade older than the list in memory: look for it in a longer page of the history.
  useEffect(() => {
    if (known || id === null) return;
    let cancelled = false;
    api
      .trades({ limit: 1000 })
      .then((all) => {
        if (cancelled) return;
        const found = all.find((t) => t.opportunity_id === id || t.tx_hash === id) ?? null;
        setFetched(found);
        setMissing(found === null);
      })
      .catch(() => !cancelled && setMissing(true));
    return () => {
      cancelled = true;
    };
  }, [api, id, known]);

  // The opportunity behind it names the DEX of each hop and the profit token's decimals.
  const chain = trade?.chain;
  const opportunityId = trade?.opportunity_id;
  useEffect(() => {
    if (!opportunityId || !chain) return;
    const live = state.opportunities.find((o) => o.id === opportunityId);
    if (live) {
      setOpportunity(live);
      return;
    }
    let cancelled = false;
    api
      .opportunities({ chain, limit: 1000 })
      .then((all) => !cancelled && setOpportunity(all.find((o) => o.id === opportunityId) ?? null))
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
    // Only when the trade changes: the live list moving on must not refetch.
  }, [api, chain, opportunityId]);

  if (!trade) {
    return (
      <div className="page" data-testid="page-trade">
        <Card title="Trade">{missing ? <Empty>No trade {id}.</Empty> : <Empty>Loading…</Empty>}</Card>
      </div>
    );
  }

  const decimals = decimalsOf(
    state.decimals,
    trade.chain_id,
    trade.profit_token,
    trade.profit_decimals ?? opportunity?.profit_decimals,
  );
  const symbol = trade.profit_symbol;
  const gap = difference(trade.realized_profit_wei, trade.predicted_profit_wei);
  const hops = trade.hops?.length ? trade.hops : opportunity?.hops;
  const dexes = hops?.map((h) => h.dex) ?? trade.dexes ?? opportunity?.dexes;

  return (
    <div className="page" data-testid="page-trade">
      <p className="crumbs">
        <a href={href("trades")}>Trades</a> / {trade.tx_hash ?? trade.opportunity_id}
      </p>
      <div className="grid two">
        <Card
          title={
            <>
              Trade on {trade.chain} <Badge value={trade.status} testId="trade-status" />
              <RivalBadge trade={trade} />
            </>
          }
        >
          <dl className="fields">
            <Row label="Route" testId="trade-route">
              <RouteView
                route={trade.route}
                dexes={dexes}
                kinds={hops?.map((h) => h.kind)}
                testId="trade-route-symbols"
              />
            </Row>
            <Row label="Hops">
              {hops?.length ? (
                <HopsView hops={hops} testId="trade-hops" />
              ) : (
                <ol className="pools" data-testid="trade-pools">
                  {trade.pools.map((pool, i) => (
                    <li key={`${pool}-${i}`}>
                      <code>{pool}</code>
                      {dexes?.[i] ? <span className="muted"> · {dexes[i]}</span> : null}
                    </li>
                  ))}
                </ol>
              )}
            </Row>
            <Row label="Amount in" testId="trade-amount-in">
              <TokenAmountView
                amount={trade.amount_in}
                decimals={decimals}
                symbol={symbol}
                exact
                testId="amount-in"
              />
            </Row>
            <Row label="Predicted profit" testId="trade-predicted">
              <TokenAmountView
                amount={trade.predicted_profit_wei}
                decimals={decimals}
                symbol={symbol}
                exact
                testId="predicted"
              />
            </Row>
            <Row label="Realized profit" testId="trade-realized">
              <TokenAmountView
                amount={trade.realized_profit_wei}
                decimals={decimals}
                symbol={symbol}
                exact
                testId="realized"
              />
            </Row>
            <Row label="Realized − predicted">
              <span data-testid="trade-gap">{gap === null ? "—" : `${formatWei(gap)} base units`}</span>{" "}
              <RealizedCheck trade={trade} />
            </Row>
            <Row label="Minimum profit (on-chain)">
              <TokenAmountView amount={trade.min_profit_wei} decimals={decimals} symbol={symbol} exact />
            </Row>
            <Row label="Net (USD, after gas)">{formatUsd(trade.net_profit_usd)}</Row>
          </dl>
        </Card>
        <Card title="Transaction">
          <dl className="fields">
            <Row label="Tx hash" testId="trade-tx">
              <code className="wrap">{trade.tx_hash ?? "—"}</code>
            </Row>
            <Row label="Block">
              {trade.block_number.toLocaleString()}{" "}
              <span className="muted">(detected at {trade.detected_block.toLocaleString()})</span>
            </Row>
            <Row label="Found by">
              <SourceView trade={trade} />
            </Row>
            <Row label="Sent via" testId="trade-channel">
              {trade.channel ?? "—"}
              {trade.bundle_hash && (
                <span className="muted">
                  {" "}
                  (bundle <Hex value={trade.bundle_hash} />)
                </span>
              )}
            </Row>
            <Row label="Bribe">
              <BribeView trade={trade} />
            </Row>
            <Row label="Nonce">{trade.nonce ?? "—"}</Row>
            <Row label="Gas used" testId="trade-gas">
              {trade.gas_used?.toLocaleString() ?? "—"}
            </Row>
            <Row label="Gas price">{formatGwei(trade.effective_gas_price_wei)}</Row>
            <Row label="Gas cost">
              {trade.gas_cost_wei === null
                ? "—"
                : `${formatNative(trade.gas_cost_wei)} ${nativeSymbol(trade.chain)} (${formatWei(trade.gas_cost_wei)} wei)`}
            </Row>
            <Row label="L1 data fee">
              {trade.l1_fee_wei == null
                ? "—"
                : `${formatNative(trade.l1_fee_wei)} ${nativeSymbol(trade.chain)} (${formatWei(trade.l1_fee_wei)} wei)`}
            </Row>
            <Row label="Final" testId="trade-final">
              {trade.final == null
                ? "—"
                : trade.final
                  ? "yes (past the confirmation depth)"
                  : "not yet (a reorg may still change it)"}
            </Row>
            <Row label="Touched earlier in block">
              {trade.touched_earlier_in_block == null ? "—" : trade.touched_earlier_in_block ? "yes" : "no"}
            </Row>
            <Row label="Lost to a rival">
              <RivalTx trade={trade} />
            </Row>
            <Row label="Submitted">{formatTime(trade.submitted_at)}</Row>
            <Row label="Settled">{formatTime(trade.settled_at)}</Row>
            {trade.error && (
              <Row label="Error">
                <span className="bad-text">{trade.error}</span>
              </Row>
            )}
            <Row label="Opportunity">
              <code>{trade.opportunity_id}</code>
            </Row>
          </dl>
        </Card>
      </div>
      <Card title="Latency along the pipeline" testId="trade-latency">
        <Timeline
          segments={[
            { kind: "detect", label: "detect → submit", ms: trade.detect_to_submit_ms },
            { kind: "confirm", label: "submit → confirm", ms: trade.submit_to_confirm_ms },
          ]}
          formatMs={(ms) => formatMs(ms)}
          testId="trade-timeline"
        />
        {trade.segments?.length ? (
          <div className="stage-chain stage-trade" data-testid="trade-stages">
            <div className="stage-head">
              <b>Live path, block notification → node acknowledgment</b>
              <span className="muted" data-testid="trade-stages-total">
                {formatStageMs(trade.segments.reduce((total, s) => total + s.ms, 0))}
              </span>
            </div>
            <StageBar segments={trade.segments} testId="trade-stage-bar" />
            <StageLegend segments={trade.segments} testId="trade-stage-legend" />
          </div>
        ) : (
          <p className="muted small">No live-path stamps stored for this trade.</p>
        )}
        {opportunity && (
          <p className="muted small">
            gas estimate {opportunity.gas_estimate.toLocaleString()} at detection · predicted net{" "}
            {formatUsd(opportunity.net_profit_usd)}
          </p>
        )}
      </Card>
    </div>
  );
}

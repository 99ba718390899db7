// Cross-chain: the inventory per chain against its bands, the bridge transfers in flight (stuck
// ones highlighted), the recent cross-chain trades with both legs, and the open exposures —
// read once from the API, then kept current by the live messages without a reload.

import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from "react";
import { ApiError } from "../api";
import { Badge, Card, Empty, Hex } from "../components";
import { InventoryPanel } from "../inventory";
import {
  crossChainReducer,
  initialCrossChain,
  isCrossChainMessage,
  type BridgeTransferItem,
  type CrossChainTradeItem,
  type ExposureItem,
  type InventoryBody,
} from "../crosschain";
import { useDashboard } from "../store";
import { formatDuration, formatTime, formatUnits, formatUsd } from "../units";

// Exposures have no message of their own: a partial trade opens one, read it a moment later.
const EXPOSURE_REFRESH_DELAY_MS = 1_500;

/** Decimals by lower-case token address, from the inventory (which names every token held). */
function decimalsByToken(inventory: InventoryBody | null): Map<string, number> {
  const map = new Map<string, number>();
  for (const chain of inventory?.chains ?? []) {
    for (const asset of chain.assets) map.set(asset.token.toLowerCase(), asset.decimals);
  }
  return map;
}

function amountOf(amount: string | null, token: string, decimals: Map<string, number>): string {
  return formatUnits(amount, decimals.get(token.toLowerCase()), 4);
}

function TransfersPanel({
  transfers,
  which,
  onWhich,
  decimals,
  nowMs,
}: {
  transfers: BridgeTransferItem[];
  which: "in_flight" | "all";
  onWhich: (which: "in_flight" | "all") => void;
  decimals: Map<string, number>;
  nowMs: number;
}) {
  const shown = which === "in_flight" ? transfers.filter((t) => t.in_flight) : transfers;
  return (
    <Card
      title={`Bridge transfers ${which === "in_flight" ? "in flight" : ""} (${shown.length})`}
      testId="transfers-panel"
      actions={
        <select
          value={which}
          onChange={(e) => onWhich(e.target.value as "in_flight" | "all")}
          aria-label="transfers"
        >
          <option value="in_flight">in flight</option>
          <option value="all">all recent</option>
        </select>
      }
    >
      {shown.length === 0 ? (
        <Empty>No bridge transfer {which === "in_flight" ? "in flight" : "yet"}.</Empty>
      ) : (
        <div className="table-wrap">
          <table data-testid="transfers-table">
            <thead>
              <tr>
                <th>bridge</th>
                <th>route</th>
                <th className="num">amount</th>
                <th>age</th>
                <th>status</th>
                <th>deposit</th>
                <th>arrival</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((t) => {
                const endMs = t.arrived_at ? Date.parse(t.arrived_at) : nowMs;
                const age = (endMs - Date.parse(t.created_at)) / 1000;
                return (
                  <tr
                    key={t.id}
                    data-testid="transfer-row"
                    data-id={t.id}
                    data-overdue={t.overdue ? "true" : "false"}
                    className={t.overdue ? "stuck-row" : ""}
                  >
                    <td>{t.bridge}</td>
                    <td>
                      {t.src_chain} → {t.dst_chain}
                    </td>
                    <td className="num">
                      {amountOf(t.amount_in, t.token_in, decimals)} {t.asset}
                    </td>
                    <td>{formatDuration(age)}</td>
                    <td>
                      <Badge value={t.status} />
                      {t.overdue && t.status !== "stuck" && <span className="bad-text small"> overdue</span>}
                    </td>
                    <td>
                      <Hex value={t.deposit_tx_hash} />
                    </td>
                    <td>
                      <Hex value={t.arrival_tx_hash} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

function pnlClass(value: number | null): string {
  if (value === null) return "muted";
  return value >= 0 ? "good-text" : "bad-text";
}

function TradesPanel({ trades }: { trades: CrossChainTradeItem[] }) {
  return (
    <Card title={`Cross-chain trades (${trades.length})`} testId="xc-trades-panel">
      {trades.length === 0 ? (
        <Empty>No cross-chain trade yet.</Empty>
      ) : (
        <div className="table-wrap">
          <table data-testid="xc-trades-table">
            <thead>
              <tr>
                <th>detected</th>
                <th>asset</th>
                <th>sell → buy</th>
                <th className="num">predicted</th>
                <th className="num">realized</th>
                <th>legs</th>
                <th>status</th>
              </tr>
            </thead>
            <tbody>
              {trades.map((t) => (
                <tr key={t.id} data-testid="xc-trade-row" data-id={t.id}>
                  <td className="muted">{formatTime(t.detected_at)}</td>
                  <td>
                    {t.asset}/{t.quote_asset}
                  </td>
                  <td>
                    {t.sell_chain} → {t.buy_chain}
                  </td>
                  <td className="num">{formatUsd(t.predicted_pnl_usd)}</td>
                  <td className={`num ${pnlClass(t.realized_pnl_usd)}`}>{formatUsd(t.realized_pnl_usd)}</td>
                  <td>
                    {t.legs.map((leg) => (
                      <div key={leg.id} className="small" data-testid="xc-leg">
                        {leg.role} on {leg.chain}: <Hex value={leg.tx_hash} /> <Badge value={leg.status} />
                      </div>
                    ))}
                  </td>
                  <td>
                    <Badge value={t.status} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

function ExposuresPanel({
  exposures,
  decimals,
}: {
  exposures: ExposureItem[];
  decimals: Map<string, number>;
}) {
  return (
    <Card title={`Open exposures (${exposures.length})`} testId="exposures-panel">
      {exposures.length === 0 ? (
        <Empty>No open exposure: every leg is hedged.</Empty>
      ) : (
        <div className="table-wrap">
          <table data-testid="exposures-table">
            <thead>
              <tr>
                <th>opened</th>
                <th>chain</th>
                <th>side</th>
                <th className="num">amount</th>
                <th className="num">USD at open</th>
                <th>policy</th>
                <th>status</th>
              </tr>
            </thead>
            <tbody>
              {exposures.map((e) => (
                <tr key={e.id} data-testid="exposure-row">
                  <td className="muted">{formatTime(e.opened_at)}</td>
                  <td>{e.chain}</td>
                  <td>{e.side}</td>
                  <td className="num">
                    {amountOf(e.amount, e.token, decimals)} {e.asset}
                  </td>
                  <td className="num">{formatUsd(e.usd_at_open)}</td>
                  <td>{e.policy}</td>
                  <td>
                    <Badge value={e.status} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

export function CrossChain() {
  const { api, state: dashboard, listen } = useDashboard();
  const [state, dispatch] = useReducer(crossChainReducer, initialCrossChain);
  const [which, setWhich] = useState<"in_flight" | "all">("in_flight");
  const [error, setError] = useState<string | null>(null);
  const [nowMs, setNowMs] = useState(() => Date.now());
  const exposureTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const liveOpen = dashboard.live === "open";
  const everOpen = useRef(liveOpen);

  const loadExposures = useCallback(async () => {
    dispatch({ type: "exposures", exposures: await api.exposures() });
  }, [api]);

  const load = useCallback(async () => {
    try {
      const [trades, transfers] = await Promise.all([api.crossChainTrades(), api.bridgeTransfers(which)]);
      dispatch({ type: "trades", trades });
      dispatch({ type: "transfers", transfers });
      await loadExposures();
      setError(null);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
    try {
      dispatch({ type: "inventory", inventory: await api.inventory() });
    } catch (failure) {
      // 503: no running bot's inventory behind this API — say why instead of a blank panel.
      const message = failure instanceof ApiError ? failure.message : String(failure);
      dispatch({ type: "inventory", inventory: null, message });
    }
  }, [api, which, loadExposures]);

  // Once on opening (and when the transfers' filter changes)...
  useEffect(() => {
    void load();
  }, [load]);

  // ...and again after the stream reconnects: it may have missed messages meanwhile.
  const wasOpen = useRef(liveOpen);
  useEffect(() => {
    if (liveOpen && !wasOpen.current && everOpen.current) void load();
    if (liveOpen) everOpen.current = true;
    wasOpen.current = liveOpen;
  }, [liveOpen, load]);

  useEffect(
    () =>
      listen((message) => {
        if (!isCrossChainMessage(message)) return;
        dispatch({ type: "message", message });
        if (message.type === "cross_chain_trade") {
          exposureTimer.current ??= setTimeout(() => {
            exposureTimer.current = null;
            void loadExposures().catch(() => undefined);
          }, EXPOSURE_REFRESH_DELAY_MS);
        }
      }),
    [listen, loadExposures],
  );

  useEffect(() => {
    const timer = setInterval(() => setNowMs(Date.now()), 1000);
    return () => {
      clearInterval(timer);
      if (exposureTimer.current !== null) clearTimeout(exposureTimer.current);
    };
  }, []);

  const decimals = useMemo(() => decimalsByToken(state.inventory), [state.inventory]);
  return (
    <div className="page" data-testid="page-crosschain">
      {error && <div className="banner warn">{error}</div>}
      <InventoryPanel inventory={state.inventory} message={state.inventoryMessage} />
      <TransfersPanel
        transfers={state.transfers}
        which={which}
        onWhich={setWhich}
        decimals={decimals}
        nowMs={nowMs}
      />
      <TradesPanel trades={state.trades} />
      <ExposuresPanel exposures={state.exposures} decimals={decimals} />
    </div>
  );
}

// Trades lost to rival searchers: a trade that reverted (or whose bundle never landed) after
// another searcher's arbitrage took its gap first. The count over the whole history (and this
// run's, from the live figures), and the badge a lost trade wears in every list.

import { Hex, Kpi } from "./components";
import type { ChainPnl, ChainStatus, TradeItem } from "./types";

/** The trades lost to rivals: in the history (all chains) and in this run's live figures. */
export function lostToRivals(pnl: ChainPnl[], live: ChainStatus[]): { total: number; run: number } {
  return {
    total: pnl.reduce((n, c) => n + (c.lost_to_rival ?? 0), 0),
    run: live.reduce((n, c) => n + (c.lost_to_rival ?? 0), 0),
  };
}

export function LostToRivalsKpi({ pnl, live }: { pnl: ChainPnl[]; live: ChainStatus[] }) {
  const { total, run } = lostToRivals(pnl, live);
  // The history lags the live figures by the writer's batch: show the larger.
  const shown = Math.max(total, run);
  return (
    <Kpi
      label="Trades lost to rivals"
      value={shown.toLocaleString()}
      tone={shown > 0 ? "warn" : undefined}
      sub={`this run: ${run.toLocaleString()}`}
      testId="kpi-lost-to-rivals"
    />
  );
}

/** A "lost to rival" badge beside a trade's status, when it was. */
export function RivalBadge({ trade }: { trade: TradeItem }) {
  if (!trade.lost_to_rival) return null;
  return (
    <>
      {" "}
      <span
        className="badge warn"
        title={trade.rival_tx_hash ? `rival transaction ${trade.rival_tx_hash}` : undefined}
        data-testid="trade-lost-to-rival"
      >
        lost to rival
      </span>
    </>
  );
}

/** The rival's transaction of a lost trade, for the trade's page. */
export function RivalTx({ trade }: { trade: TradeItem }) {
  if (trade.lost_to_rival == null) return <>—</>;
  if (!trade.lost_to_rival) return <>no</>;
  return (
    <span data-testid="trade-rival-tx">
      yes, to <Hex value={trade.rival_tx_hash ?? null} />
    </span>
  );
}

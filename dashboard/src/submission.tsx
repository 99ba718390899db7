// How each trade was found and sent, and what it paid the block's builder: a trade's source
// (a new block, or a backrun of a pending transaction), its channel (public mempool, bundle,
// sequencer) and its bribe; and the per-chain summary of backruns and bribes.

import { Empty, Hex } from "./components";
import type { ChainPnl, TradeItem } from "./types";
import { formatNative, nativeSymbol } from "./units";

/** "block", "backrun" (of a pending transaction) or "cross-chain". */
export function sourceLabel(source: string | undefined): string {
  if (source === undefined) return "—";
  return source === "mempool" ? "backrun" : source;
}

/** The trade's source; a backrun names the pending transaction it followed. */
export function SourceView({ trade }: { trade: TradeItem }) {
  return (
    <span className="source" data-testid="trade-source" data-source={trade.source ?? ""}>
      <span className={`badge source-${trade.source ?? "unknown"}`}>{sourceLabel(trade.source)}</span>
      {trade.trigger_tx && (
        <span className="trigger" data-testid="trade-trigger" data-tx={trade.trigger_tx}>
          {" of "}
          <Hex value={trade.trigger_tx} />
        </span>
      )}
    </span>
  );
}

/** The bribe the receipt shows paid; before the trade settles, the bribe offered. */
export function BribeView({ trade }: { trade: TradeItem }) {
  const symbol = nativeSymbol(trade.chain);
  if (trade.bribe_paid_wei != null) {
    return (
      <span data-testid="trade-bribe" data-wei={trade.bribe_paid_wei}>
        {formatNative(trade.bribe_paid_wei)} {symbol}
      </span>
    );
  }
  const offered = trade.bribe_wei ?? "0";
  return (
    <span className="muted" data-testid="trade-bribe" data-wei="" title="offered, not yet paid">
      {offered === "0" ? "—" : `${formatNative(offered)} ${symbol} offered`}
    </span>
  );
}

function counts(figures: Record<string, number> | undefined, label: (key: string) => string): string {
  const entries = Object.entries(figures ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? "—" : entries.map(([key, n]) => `${label(key)} ${n}`).join(", ");
}

/** Per chain: the trades found by blocks and by backruns, the channels, the bribes paid. */
export function SubmissionTable({ chains }: { chains: ChainPnl[] }) {
  if (chains.length === 0) return <Empty>No trades recorded yet.</Empty>;
  return (
    <div className="table-wrap">
      <table data-testid="submission-table">
        <thead>
          <tr>
            <th>chain</th>
            <th className="num">from blocks</th>
            <th className="num">backruns</th>
            <th>sent via</th>
            <th className="num">bribes paid</th>
          </tr>
        </thead>
        <tbody>
          {chains.map((c) => (
            <tr key={c.chain_id} data-chain={c.chain} data-testid="submission-row">
              <td>{c.chain}</td>
              <td className="num" data-testid="from-blocks">
                {(c.sources?.block ?? 0).toLocaleString()}
              </td>
              <td className="num" data-testid="backruns">
                {(c.backruns ?? 0).toLocaleString()}
              </td>
              <td data-testid="channels">{counts(c.channels, (k) => k)}</td>
              <td className="num" data-testid="bribes-paid" data-wei={c.bribe_paid_wei ?? "0"}>
                {formatNative(c.bribe_paid_wei ?? "0")} {nativeSymbol(c.chain)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

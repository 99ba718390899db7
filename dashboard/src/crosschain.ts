// The cross-chain bodies (`omniarb/api/cross_chain_schemas.py`) and the cross-chain page's state:
// what the REST routes list, merged with the live `cross_chain_trade`, `bridge_transfer` and
// `inventory` messages as they arrive.

import type { Amount } from "./types";

export interface CrossChainLegItem {
  id: string;
  role: string;
  chain: string;
  token_in: string;
  token_out: string;
  amount_in: Amount;
  min_out: Amount;
  predicted_out: Amount;
  realized_out: Amount | null;
  tx_hash: string | null;
  block_number: number | null;
  gas_used: number | null;
  fee_wei: Amount | null;
  status: string;
  error: string | null;
  sent_at: string | null;
  settled_at: string | null;
}

export interface CrossChainTradeItem {
  id: string;
  asset: string;
  quote_asset: string;
  sell_chain: string;
  buy_chain: string;
  status: string;
  expected_value_usd: number;
  gross_usd: number;
  fees_usd: number;
  rebalance_cost_usd: number;
  risk_charge_usd: number;
  predicted_pnl_usd: number;
  realized_pnl_usd: number | null;
  inventory_change: Record<string, Record<string, Amount>>;
  detected_at: string;
  settled_at: string | null;
  legs: CrossChainLegItem[];
}

export interface BridgeTransferItem {
  id: string;
  bridge: string;
  src_chain: string;
  dst_chain: string;
  asset: string;
  token_in: string;
  token_out: string;
  sender: string;
  recipient: string;
  amount_in: Amount;
  amount_out_expected: Amount;
  amount_received: Amount | null;
  fee_usd: number;
  status: string;
  in_flight: boolean;
  overdue: boolean;
  src_tx_hashes: string[];
  deposit_tx_hash: string | null;
  deposit_id: string | null;
  deposit_block: number | null;
  arrival_tx_hash: string | null;
  arrival_block: number | null;
  attempts: number;
  error: string | null;
  created_at: string;
  deadline_at: string;
  updated_at: string;
  arrived_at: string | null;
}

export interface ExposureItem {
  id: string;
  trade_id: string;
  chain: string;
  asset: string;
  token: string;
  side: string;
  amount: Amount;
  usd_at_open: number;
  policy: string;
  status: string;
  unwind_leg_id: string | null;
  opened_at: string;
}

export interface InventoryAssetItem {
  asset: string;
  token: string;
  decimals: number;
  amount: Amount;
  usd: number | null;
  low: Amount | null;
  target: Amount | null;
  high: Amount | null;
  band: "low" | "ok" | "high" | null;
  in_flight_in: Amount;
  in_flight_out: Amount;
}

export interface InventoryChainItem {
  chain: string;
  account: string | null;
  usd: number;
  assets: InventoryAssetItem[];
}

export interface InventoryBody {
  taken_at: string;
  usd: number;
  chains: InventoryChainItem[];
}

export type CrossChainMessage =
  | { type: "cross_chain_trade"; seq: number; data: CrossChainTradeItem }
  | { type: "bridge_transfer"; seq: number; data: BridgeTransferItem }
  | { type: "inventory"; seq: number; data: InventoryBody };

const MAX_TRADES = 200;
const MAX_TRANSFERS = 200;

export interface CrossChainState {
  trades: CrossChainTradeItem[];
  transfers: BridgeTransferItem[];
  exposures: ExposureItem[];
  inventory: InventoryBody | null;
  /** Why there is no inventory (the API's 503 detail), when there is none. */
  inventoryMessage: string | null;
}

export const initialCrossChain: CrossChainState = {
  trades: [],
  transfers: [],
  exposures: [],
  inventory: null,
  inventoryMessage: null,
};

export type CrossChainAction =
  | { type: "trades"; trades: CrossChainTradeItem[] }
  | { type: "transfers"; transfers: BridgeTransferItem[] }
  | { type: "exposures"; exposures: ExposureItem[] }
  | { type: "inventory"; inventory: InventoryBody | null; message?: string | null }
  | { type: "message"; message: CrossChainMessage };

/** `fresh` items replace the held ones of the same id; newest (by `at`) first, at most `max`. */
function merge<T extends { id: string }>(held: T[], fresh: T[], at: (item: T) => string, max: number): T[] {
  const byId = new Map(held.map((item) => [item.id, item]));
  for (const item of fresh) byId.set(item.id, item);
  return [...byId.values()]
    .sort((a, b) => at(b).localeCompare(at(a)) || b.id.localeCompare(a.id))
    .slice(0, max);
}

/** The REST lists replace what is held (they are the history's word); live messages merge. */
export function crossChainReducer(state: CrossChainState, action: CrossChainAction): CrossChainState {
  switch (action.type) {
    case "trades":
      return { ...state, trades: merge([], action.trades, (t) => t.detected_at, MAX_TRADES) };
    case "transfers":
      return { ...state, transfers: merge([], action.transfers, (t) => t.created_at, MAX_TRANSFERS) };
    case "exposures":
      return { ...state, exposures: action.exposures };
    case "inventory":
      return { ...state, inventory: action.inventory, inventoryMessage: action.message ?? null };
    case "message": {
      const message = action.message;
      if (message.type === "cross_chain_trade") {
        return { ...state, trades: merge(state.trades, [message.data], (t) => t.detected_at, MAX_TRADES) };
      }
      if (message.type === "bridge_transfer") {
        return {
          ...state,
          transfers: merge(state.transfers, [message.data], (t) => t.created_at, MAX_TRANSFERS),
        };
      }
      return { ...state, inventory: message.data, inventoryMessage: null };
    }
  }
}

export function isCrossChainMessage(message: { type: string }): message is CrossChainMessage {
  return (
    message.type === "cross_chain_trade" || message.type === "bridge_transfer" || message.type === "inventory"
  );
}

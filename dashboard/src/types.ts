// The API's bodies (omniarb/api/schemas.py), as the dashboard reads them. Amounts in base
// units are decimal strings (`Amount`): they pass 2**53, so they are only ever read with BigInt.

import type { CrossChainMessage } from "./crosschain";

export type Amount = string;

export interface TokenAmount {
  token: string;
  symbol: string | null;
  decimals: number | null;
  amount: Amount;
}

export interface MarketPrice {
  dex: string;
  pool: string;
  fee_pips: number;
  price_usd: number;
}

export interface MarketChain {
  block_number: number;
  swaps_sent: number;
  swaps_mined: number;
  swaps_failed: number;
  swaps_per_s: number;
  native_reference_usd: number;
  prices: MarketPrice[];
  max_gap_bps: number;
  max_gap_pair: string;
}

export interface ChainStatus {
  chain: string;
  chain_id: number;
  block_number: number;
  blocks_seen: number;
  pools: number;
  cycles: number;
  opportunities: number;
  approved: number;
  declined: number;
  submitted: number;
  simulated: number;
  rejected: number;
  succeeded: number;
  reverted: number;
  success_rate: number | null;
  touched_earlier_in_block: number;
  /** Trades lost to a rival's arbitrage that ran first (absent from older servers). */
  lost_to_rival?: number;
  realized_differs_from_predicted: number;
  realized_profit: TokenAmount[];
  net_profit_usd: number;
  last_detect_ms: number;
  last_submit_ms: number;
  last_confirm_ms: number;
  /** Whether the chain's node answers the liveness probe (null before the first check). */
  node_up: boolean | null;
  node_head: number | null;
  /** The node's head minus the block the pipeline last processed. */
  block_lag: number | null;
  /** The liveness probe's last round trip to the node. */
  rpc_latency_ms: number | null;
  endpoints: EndpointStatus[];
  pending: number;
  market: MarketChain | null;
  /** The live path over the chain's last sent trades (null before the first; absent from
   * older servers). */
  stages?: StageBreakdown | null;
}

/** One segment of the live path and its milliseconds. */
export interface StageSegment {
  name: string;
  ms: number;
}

export interface StageFigure {
  name: string;
  p50_ms: number;
  p99_ms: number;
}

/** p50/p99 of each segment, in the path's order, and of the whole path (`total`). */
export interface StageBreakdown {
  trades: number;
  segments: StageFigure[];
  total: StageFigure;
}

/** One RPC endpoint of a chain as the client's failover layer sees it. */
export interface EndpointStatus {
  endpoint: string;
  up: boolean;
  score: number;
  latency_ms: number | null;
}

export interface StatsBody {
  at: string;
  chains: ChainStatus[];
}

/** One hop of a route: its pool, that pool's DEX and protocol (the pool kind), fee and tokens;
 * `currency_in`/`currency_out` the pool's own currency where it is not the route's token (the
 * native coin, address 0, of a pool traded as the wrapped native token). */
export interface HopItem {
  pool: string;
  dex: string;
  kind: string;
  fee_pips: number;
  token_in: string;
  token_out: string;
  symbol_in: string | null;
  symbol_out: string | null;
  currency_in?: string | null;
  currency_out?: string | null;
}

export interface OpportunityItem {
  id: string;
  chain: string;
  chain_id: number;
  block_number: number;
  source: string;
  status: string;
  route: string[];
  pools: string[];
  dexes: string[];
  hops?: HopItem[];
  profit_token: string;
  profit_symbol: string | null;
  profit_decimals: number | null;
  amount_in: Amount;
  amount_out: Amount;
  predicted_profit_wei: Amount;
  net_profit_wei: Amount;
  net_profit_usd: number;
  gas_estimate: number;
  gas_price_wei: Amount;
  gas_cost_wei: Amount;
  detected_at: string | null;
  /** Why a declined, rejected or failed opportunity went no further. */
  reasons: string[];
}

export interface TradeItem {
  chain: string;
  chain_id: number;
  tx_hash: string | null;
  block_number: number;
  detected_block: number;
  status: string;
  route: string[];
  pools: string[];
  hops?: HopItem[];
  profit_token: string;
  profit_symbol: string | null;
  // Not (yet) in the API's TradeItem; read when present, else taken from other bodies.
  profit_decimals?: number | null;
  dexes?: string[];
  amount_in: Amount;
  predicted_profit_wei: Amount;
  min_profit_wei: Amount;
  flash_source: string;
  realized_profit_wei: Amount | null;
  gas_used: number | null;
  effective_gas_price_wei: Amount | null;
  gas_cost_wei: Amount | null;
  /** An L2's L1 data fee paid (0 on an L1; absent from older servers). */
  l1_fee_wei?: Amount | null;
  net_profit_usd: number | null;
  touched_earlier_in_block: boolean | null;
  // Past the chain's confirmation depth: a reorg can no longer change it (absent from live
  // items of older servers).
  final?: boolean;
  nonce: number | null;
  error: string | null;
  submitted_at: string | null;
  settled_at: string | null;
  detect_to_submit_ms: number | null;
  submit_to_confirm_ms: number | null;
  /** Each live-path stamp in ns since the block's notification, and the segments between
   * them (null for a trade stored without them; absent from older servers). */
  stage_offsets_ns?: Record<string, number | null> | null;
  segments?: StageSegment[] | null;
  /** What found it: "block", "mempool" (a backrun of the pending `trigger_tx`) or
   * "cross-chain" (absent from older servers). */
  source?: string;
  trigger_tx?: string | null;
  /** How it was sent: "public", "bundle" (with the relay's `bundle_hash`) or "sequencer";
   * null for a trade stored before it was recorded. */
  channel?: string | null;
  bundle_hash?: string | null;
  /** The bribe offered to the block's builder, and what the receipt shows paid (null until
   * settled), in the native coin's wei. */
  bribe_wei?: Amount;
  bribe_paid_wei?: Amount | null;
  /** Reverted (or a bundle never landed) after a rival's arbitrage took the gap first, and
   * the rival's transaction (null until settled; absent from older servers). */
  lost_to_rival?: boolean | null;
  rival_tx_hash?: string | null;
  opportunity_id: string;
  execution_id: string | null;
}

export interface PnlPoint {
  at: string;
  chain: string;
  tx_hash: string | null;
  status: string;
  net_profit_usd: number;
  cumulative_usd: number;
}

export interface ChainPnl {
  chain: string;
  chain_id: number;
  opportunities: number;
  approved: number;
  declined: number;
  executions: Record<string, number>;
  settled: Record<string, number>;
  success_rate: number | null;
  realized_profit: TokenAmount[];
  gas_cost_wei: Amount;
  l1_fee_wei?: Amount;
  net_profit_usd: number;
  /** Executions by what found them and by how they were sent; bribes paid (native wei). */
  sources?: Record<string, number>;
  backruns?: number;
  channels?: Record<string, number>;
  bribe_paid_wei?: Amount;
  /** Settled trades lost to a rival's arbitrage (absent from older servers). */
  lost_to_rival?: number;
}

export interface PnlBody {
  net_profit_usd: number;
  chains: ChainPnl[];
  curve: PnlPoint[];
}

export interface AlertItem {
  id: string;
  rule: string;
  severity: string;
  key: string;
  summary: string;
  fired_at: string;
  chain: string | null;
  value: number | null;
  threshold: number | null;
  suppressed: string | null;
}

export interface BreakerTripItem {
  id: string;
  scope: string;
  reason: string;
  detail: string;
  consecutive_failures: number;
  loss_usd: number;
  tripped_at: string;
  tripped_by: string;
  reset_at: string | null;
  reset_by: string | null;
}

/** One scope's breaker: "global" (open: every chain stops) or a chain's (stops that chain). */
export interface BreakerScope {
  scope: string;
  state: "open" | "closed";
  trip: BreakerTripItem | null;
}

/** The global breaker's state and trip, and every scope's in `scopes` (the global first). */
export interface BreakerStatus extends BreakerScope {
  scopes: BreakerScope[];
}

export interface HubFigures {
  clients: number;
  published: number;
  dropped_clients: number;
}

export interface StatusBody {
  version: string;
  started_at: string;
  uptime_s: number;
  auth: "token" | "loopback";
  chains: string[];
  live: boolean;
  history: string;
  breaker: "open" | "closed" | null;
  hub: HubFigures;
  event_loop_lag_max_s?: number | null;
}

export type LiveMessage =
  | { type: "opportunity"; seq: number; data: OpportunityItem }
  | { type: "trade"; seq: number; data: TradeItem }
  | { type: "alert"; seq: number; data: AlertItem }
  | { type: "stats"; seq: number; data: StatsBody }
  | { type: "breaker"; seq: number; data: BreakerStatus }
  | CrossChainMessage;

// The scaled-out cluster's processes as `GET /cluster/workers` serves them (omniarb/api/
// cluster_routes.py): one row per process alive now, from the worker registry in Redis.

/** One process: a per-chain worker (active or standby), the coordinator, an API, a trainer. */
export interface ClusterWorkerItem {
  id: string;
  role: "worker" | "coordinator" | "api" | "trainer" | string;
  chain: string | null;
  state: "starting" | "standby" | "active" | "stepping-down" | string;
  pid: number;
  host: string;
  started_at: number;
  fencing_token: number | null;
  head_block: number | null;
  trades: number;
  last_seen: number;
  last_seen_age_s: number;
}

/** A chain's workers: whether exactly one is active (the one signing) and how many wait. */
export interface ChainPair {
  chain: string;
  active: number;
  standby: number;
}

export function chainPairs(workers: ClusterWorkerItem[]): ChainPair[] {
  const byChain = new Map<string, ChainPair>();
  for (const worker of workers) {
    if (worker.role !== "worker" || worker.chain === null) continue;
    const pair = byChain.get(worker.chain) ?? { chain: worker.chain, active: 0, standby: 0 };
    if (worker.state === "active") pair.active += 1;
    else if (worker.state === "standby") pair.standby += 1;
    byChain.set(worker.chain, pair);
  }
  return [...byChain.values()].sort((a, b) => a.chain.localeCompare(b.chain));
}

/** An age in seconds as "0.4 s", "12 s", "3 min". */
export function formatAge(seconds: number): string {
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  if (seconds < 120) return `${Math.round(seconds)} s`;
  return `${Math.round(seconds / 60)} min`;
}

"""The deadline block the benchmarks put in every executor plan.

A mainnet-sized block number (3 non-zero bytes of the plan's 8, as a real deadline has in
2026), so the calldata costs what a live trade's does; devnet heads are far below it, so it
never expires during a measurement.
"""

from __future__ import annotations

BENCH_DEADLINE_BLOCK = 30_000_000

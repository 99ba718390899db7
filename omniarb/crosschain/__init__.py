"""Cross-chain arbitrage above the per-chain pipelines: the legs of a trade on two chains, its
accounting and exposure, and the rebalancer that moves inventory between chains by bridge."""

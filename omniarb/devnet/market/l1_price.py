"""The L1 price on the devnet's L2s moves: a bounded random walk, one step per market step.

A real L2's L1 data price follows Ethereum's base fee and blob fee, which move block by block;
a fixed devnet price would leave the fee model's per-block refresh untested. Each step the
L1 base fee is multiplied by exp(N(0, `step_sigma`)) and kept within [`low_wei`, `high_wei`],
then written to the chain's fee oracle stand-in (`omniarb.devnet.deploy.l1_price_call`). The
draws come from their own generator seeded by (seed, chain id), so the swaps a seed replays
are unchanged.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from omniarb.chains.spec import ChainSpec
from omniarb.devnet.deploy import DEV_L1_FEES, l1_price_call

__all__ = ["L1PriceWalk"]

GWEI = 10**9


@dataclass(slots=True, kw_only=True)
class L1PriceWalk:
    """One L2's L1 base fee walk; `price_wei` is the latest step's."""

    chain: ChainSpec
    rng: random.Random
    price_wei: int = DEV_L1_FEES.l1_base_fee_wei
    low_wei: int = GWEI
    high_wei: int = 300 * GWEI
    step_sigma: float = 0.05

    @classmethod
    def for_chain(cls, chain: ChainSpec, seed: int) -> L1PriceWalk | None:
        """The walk of `chain` (None on an L1, which has no L1 price)."""
        if l1_price_call(chain, DEV_L1_FEES.l1_base_fee_wei) is None:
            return None
        return cls(chain=chain, rng=random.Random(f"{seed}:{chain.chain_id}:l1"))

    def step(self) -> tuple[str, str]:
        """Move the price one step; the (to, data) of the call that sets it on the chain."""
        moved = self.price_wei * math.exp(self.rng.gauss(0.0, self.step_sigma))
        self.price_wei = min(max(round(moved), self.low_wei), self.high_wei)
        call = l1_price_call(self.chain, self.price_wei)
        assert call is not None  # for_chain built it for a chain with an L1 price
        return call

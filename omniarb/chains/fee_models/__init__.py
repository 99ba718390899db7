"""Fee models per chain: what a transaction costs in total, L2 execution plus L1 data.

EIP-1559 (Ethereum, Polygon with its minimum tip) and legacy gas prices (BNB Chain) come from
the block's base fee and a tip chosen from recent blocks (`tips`); the L2s add an L1 data fee:
Optimism's Fjord formula over the FastLZ-compressed transaction (`optimism`), Arbitrum's L1
component from its precompiles (`arbitrum`). `FeeOracle` refreshes a chain's `FeeQuote` once per
block, which the detector reads on the hot path, and prices real transactions before sending
and after mining.
"""

from omniarb.chains.fee_models._fastlz import flz_compress_len
from omniarb.chains.fee_models.arbitrum import ArbL1Component, ArbL1Prices
from omniarb.chains.fee_models.optimism import OpL1Prices, fjord_l1_fee_wei
from omniarb.chains.fee_models.oracle import FeeOracle, L1Cost
from omniarb.chains.fee_models.quote import FeeQuote, route_tx_bytes
from omniarb.chains.fee_models.tips import TipPolicy, tip_from_fee_history

__all__ = [
    "ArbL1Component",
    "ArbL1Prices",
    "FeeOracle",
    "FeeQuote",
    "L1Cost",
    "OpL1Prices",
    "TipPolicy",
    "fjord_l1_fee_wei",
    "flz_compress_len",
    "route_tx_bytes",
    "tip_from_fee_history",
]

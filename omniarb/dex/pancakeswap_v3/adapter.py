"""PancakeSwap V3 as an adapter (`omniarb.dex.base.DexAdapter`): Uniswap V3's, of the
PancakeSwap flavour, with the kind's own init code hash and gas."""

from __future__ import annotations

from omniarb.chains.spec import PANCAKESWAP_V3_INIT_CODE_HASH
from omniarb.dex.base import HopGas
from omniarb.dex.pancakeswap_v3.pool import PANCAKESWAP_V3_FLAVOUR
from omniarb.dex.uniswap_v3.adapter import HOP_GAS as UNISWAP_V3_HOP_GAS
from omniarb.dex.uniswap_v3.adapter import UniswapV3Adapter

__all__ = ["ADAPTER", "HOP_GAS"]

# A PancakeSwap V3 hop costs a Uniswap V3 hop and more: its pools take a protocol fee on every
# swap by default (32% of the fee, written to `protocolFees`) and read `lmPool`. Measured
# through the executor on seasoned devnet pools (the conformance execution test's routes): a
# V2 → PancakeSwap V3 cycle used 175,769–186,464 gas where V2 → Uniswap V3 used
# 164,871–165,439, up to 21,593 more; the hop is priced 22,000 over Uniswap V3's. Ticks and
# steps cost what v3-core's do (the farming hook runs only with an `lmPool` set).
HOP_GAS = HopGas(
    hop_gas=UNISWAP_V3_HOP_GAS.hop_gas + 22_000,
    route_gas=UNISWAP_V3_HOP_GAS.route_gas,
    crossing_gas=UNISWAP_V3_HOP_GAS.crossing_gas,
    step_gas=UNISWAP_V3_HOP_GAS.step_gas,
)

ADAPTER = UniswapV3Adapter(
    flavour=PANCAKESWAP_V3_FLAVOUR,
    reference_init_code_hash=PANCAKESWAP_V3_INIT_CODE_HASH,
    hop_gas=HOP_GAS,
)

"""Deploy one chain's tokens, DEXes, pools and flash lenders from the real bytecode onto a fresh
anvil (each pool kind's DEX and pools in `omniarb.devnet.kinds`; the lenders, Balancer V2 and
Aave V3, in `omniarb.devnet.lending`).

`deploy_chain` returns the chain's `ChainManifest` without endpoints; `ARTIFACT_PATHS` says which
npm artifacts the tokens and DEXes come from; the node it deploys on is started with
`DEPLOY_ANVIL_ARGS` and mined by `background_miner` (mining on demand, many transactions a block).
Uniswap's SwapRouter02 and UniversalRouter (with Permit2 at its canonical address, `PERMIT2`)
go over the chain's Uniswap DEXes (`router_dexes`) and are listed in the manifest's `routers`.
Each chain gets a lock-and-release bridge shaped like a canonical one (`CANONICAL_BRIDGE_CONTRACT`,
recorded in the manifest's `bridges` as `CANONICAL_BRIDGE_NAME`).
On the L2s, our stand-ins for the L1 fee oracles sit at the system addresses
(`install_l2_fee_contracts`; `l1_price_call` moves the L1 price).
"""

from omniarb.devnet.deploy._across import ACROSS_ARTIFACT_PATHS
from omniarb.devnet.deploy._artifacts import ARTIFACT_PATHS
from omniarb.devnet.deploy._canonical_bridge import (
    CANONICAL_BRIDGE_CONTRACT,
    CANONICAL_BRIDGE_NAME,
)
from omniarb.devnet.deploy._chain import deploy_chain
from omniarb.devnet.deploy._l2_fees import (
    DEV_L1_FEES,
    L2_FEE_CONTRACTS,
    DevL1Fees,
    install_l2_fee_contracts,
    l1_price_call,
)
from omniarb.devnet.deploy._miner import (
    DEPLOY_ANVIL_ARGS,
    background_miner,
    restore_block_gas_limit,
)
from omniarb.devnet.deploy._routers import PERMIT2, permit2_runtime_code, router_dexes
from omniarb.devnet.deploy._traps import TRAP_CONTRACTS

__all__ = [
    "ACROSS_ARTIFACT_PATHS",
    "ARTIFACT_PATHS",
    "CANONICAL_BRIDGE_CONTRACT",
    "CANONICAL_BRIDGE_NAME",
    "DEPLOY_ANVIL_ARGS",
    "DEV_L1_FEES",
    "L2_FEE_CONTRACTS",
    "PERMIT2",
    "TRAP_CONTRACTS",
    "DevL1Fees",
    "background_miner",
    "deploy_chain",
    "install_l2_fee_contracts",
    "l1_price_call",
    "permit2_runtime_code",
    "restore_block_gas_limit",
    "router_dexes",
]

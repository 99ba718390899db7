"""The flash lenders of one devnet chain, deployed from their npm bytecode: the Balancer V2
Vault and an Aave V3 market, each funded with the chain's base tokens.

Everything runs on the node the chain's deployment (`omniarb.devnet.deploy`) drives, from its
deployer account; that node mines when someone waits for a receipt.
"""

from omniarb.devnet.lending._aave_market import AAVE_FLASH_PREMIUM_BPS, deploy_aave
from omniarb.devnet.lending._artifacts import LENDING_ARTIFACT_PATHS
from omniarb.devnet.lending._balancer import deploy_balancer
from omniarb.devnet.lending._lenders import LENDER_STABLE_SYMBOLS, deploy_lenders
from omniarb.devnet.lending._tx import TxSender

__all__ = [
    "AAVE_FLASH_PREMIUM_BPS",
    "LENDER_STABLE_SYMBOLS",
    "LENDING_ARTIFACT_PATHS",
    "TxSender",
    "deploy_aave",
    "deploy_balancer",
    "deploy_lenders",
]

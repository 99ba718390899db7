"""Deploy one chain's tokens, DEXes, pools and flash lenders from the real bytecode onto a fresh
anvil (the lenders, Balancer V2 and Aave V3, in `omniarb.devnet.lending`).

`deploy_chain` returns the chain's `ChainManifest` without endpoints; `v2_build` says which
bytecode each V2 DEX runs, and `ARTIFACT_PATHS` which npm artifacts the rest come from.
"""

from omniarb.devnet.deploy._builds import ARTIFACT_PATHS, V2_BUILDS, V2Build, v2_build
from omniarb.devnet.deploy._chain import deploy_chain

__all__ = ["ARTIFACT_PATHS", "V2_BUILDS", "V2Build", "deploy_chain", "v2_build"]

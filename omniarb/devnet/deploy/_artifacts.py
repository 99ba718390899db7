"""Which npm artifacts the devnet deploys: WETH9 for the wrapped native coin, and each pool
kind's own (`DevnetKind.artifact_paths`), and the routers over several DEXes (SwapRouter02,
UniversalRouter; Permit2's code is not an artifact: `permit2_runtime_code`), and Safe 1.4.1.
"""

from __future__ import annotations

from omniarb.devnet.deploy._routers import ROUTER_ARTIFACT_PATHS
from omniarb.devnet.deploy._safe import SAFE_ARTIFACT_PATHS
from omniarb.devnet.kinds import DEVNET_KINDS

__all__ = ["ARTIFACT_PATHS"]

ARTIFACT_PATHS = {
    "WETH9": "@uniswap/v2-periphery/build/WETH9.json",
    **{name: path for kind in DEVNET_KINDS.values() for name, path in kind.artifact_paths.items()},
    **ROUTER_ARTIFACT_PATHS,
    **SAFE_ARTIFACT_PATHS,
}

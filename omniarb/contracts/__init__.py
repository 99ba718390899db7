"""Our Solidity contracts: compiled at set-up by the pinned solc-js, loaded from `build/contracts`.

`build` compiles every file under `contracts/`; `load_artifact` reads one compiled contract and
the third-party artifacts (Uniswap, WETH9) shipped in the npm packages.
"""

from omniarb.contracts._artifacts import Artifact, load_artifact, load_npm_artifact

__all__ = ["Artifact", "load_artifact", "load_npm_artifact"]

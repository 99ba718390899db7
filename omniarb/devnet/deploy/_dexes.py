"""The chain's DEXes: each V2 DEX's factory and router from its build, Uniswap V3's factory and
periphery (position manager, swap router, QuoterV2), recorded as the manifest's `DexEntry`s.
"""

from __future__ import annotations

from omniarb.chains.spec import ChainSpec, DexKind
from omniarb.contracts import load_npm_artifact
from omniarb.devnet.deploy._builds import ARTIFACT_PATHS, v2_build
from omniarb.devnet.deploy._sender import Sender
from omniarb.network import DexEntry

__all__ = ["deploy_dexes"]


async def deploy_dexes(chain: ChainSpec, deployer: Sender, weth: str) -> list[DexEntry]:
    """Every DEX of `chain` whose kind the bot trades, routed through the wrapped native `weth`."""
    dexes: list[DexEntry] = []
    # Kinds the bot does not trade yet (PancakeSwap V3, Velodrome) are not deployed.
    for dex in chain.dexes:
        if dex.kind is DexKind.UNISWAP_V2:
            build = v2_build(dex.name)
            factory = await deployer.deploy(
                f"{dex.name} factory", build.factory, ["address"], [deployer.address]
            )
            router = await deployer.deploy(
                f"{dex.name} router", build.router, ["address", "address"], [factory, weth]
            )
            dexes.append(
                DexEntry(
                    name=dex.name,
                    kind=dex.kind.value,
                    factory=factory,
                    router=router,
                    fee_pips=build.fee_pips,
                    init_code_hash=build.init_code_hash,
                )
            )
        elif dex.kind is DexKind.UNISWAP_V3:
            factory = await deployer.deploy(
                f"{dex.name} factory", load_npm_artifact(ARTIFACT_PATHS["UniswapV3Factory"])
            )
            periphery = {}
            for name, types, args in (
                ("NonfungiblePositionManager", ["address"] * 3, [factory, weth, "0x" + "00" * 20]),
                ("SwapRouter", ["address"] * 2, [factory, weth]),
                ("QuoterV2", ["address"] * 2, [factory, weth]),
            ):
                periphery[name] = await deployer.deploy(
                    f"{dex.name} {name}", load_npm_artifact(ARTIFACT_PATHS[name]), types, args
                )
            dexes.append(
                DexEntry(
                    name=dex.name,
                    kind=dex.kind.value,
                    factory=factory,
                    router=periphery["SwapRouter"],
                    quoter=periphery["QuoterV2"],
                    position_manager=periphery["NonfungiblePositionManager"],
                    init_code_hash=load_npm_artifact(
                        ARTIFACT_PATHS["UniswapV3Pool"]
                    ).creation_code_hash,
                )
            )
    return dexes

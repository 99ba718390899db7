"""Uniswap's routers that span several DEXes, deployed over a chain's Uniswap V2, V3 and V4:
SwapRouter02 (npm `@uniswap/swap-router-contracts` 1.3.1) and UniversalRouter 2.1.0 (npm
`@uniswap/universal-router`), with Permit2 for the UniversalRouter to pull tokens through.

Permit2 ships in no package as an artifact, and its sources pin `pragma solidity 0.8.17`, which
our solc-js 0.8.37 refuses. v4-periphery's copy of the Permit2 repository has
`test/utils/DeployPermit2.sol`, which holds Permit2's deployed (runtime) bytecode as a hex
literal for `vm.etch` at its canonical address; the devnet puts the same code at the same
address with `anvil_setCode`, as every real chain has it there (its cached EIP-712 domain is
chain 1's; on other chains `DOMAIN_SEPARATOR` is recomputed, `EIP712.sol`).

Each router routes through the DEXes it can compute pool addresses for: SwapRouter02 hard-codes
Uniswap's V2 pair and V3 pool init code hashes, the UniversalRouter takes them in its
`RouterParameters`; both assume V2's 0.3% fee. So the V2 DEX is the chain's first of kind
`uniswap-v2` with Uniswap's pair bytecode and that fee (none on a chain whose V2 DEXes are all
forks), the V3 and V4 DEXes the chain's Uniswap V3 and V4.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from types import MappingProxyType

from omniarb.chains.dex_specs import UNISWAP_V2_INIT_CODE_HASH, UNISWAP_V3_INIT_CODE_HASH
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import DexKind
from omniarb.contracts import load_npm_artifact
from omniarb.devnet.tx_sender import TxSender
from omniarb.dex.uniswap_v3.router02 import ROUTER_KIND as SWAP_ROUTER_02
from omniarb.dex.uniswap_v4.universal_router import ROUTER_KIND as UNIVERSAL_ROUTER
from omniarb.errors import DevnetError
from omniarb.network import DexEntry, RouterEntry
from omniarb.paths import node_modules

__all__ = [
    "PERMIT2",
    "PERMIT2_SOURCE",
    "ROUTER_ARTIFACT_PATHS",
    "deploy_routers",
    "permit2_runtime_code",
    "router_dexes",
]

PERMIT2 = "0x000000000022D473030F116dDEE9F6B43aC78BA3"
PERMIT2_SOURCE = "@uniswap/v4-periphery/lib/permit2/test/utils/DeployPermit2.sol"
ROUTER_ARTIFACT_PATHS = MappingProxyType(
    {
        "SwapRouter02": "@uniswap/swap-router-contracts/artifacts/contracts/"
        "SwapRouter02.sol/SwapRouter02.json",
        "UniversalRouter": "@uniswap/universal-router/artifacts/contracts/"
        "UniversalRouter.sol/UniversalRouter.json",
    }
)
_V2_FEE_PIPS = 3000
_ZERO = "0x" + "00" * 20
_ZERO_HASH = b"\x00" * 32
# RouterParameters: permit2, weth9, v2Factory, v3Factory, pairInitCodeHash, poolInitCodeHash,
# v4PoolManager, v3NFTPositionManager, v4PositionManager, spokePool.
_ROUTER_PARAMETERS = (
    "(address,address,address,address,bytes32,bytes32,address,address,address,address)"
)


@cache
def permit2_runtime_code() -> str:
    """Permit2's runtime bytecode, 0x hex, from the hex literal of `PERMIT2_SOURCE`."""
    text = (node_modules() / PERMIT2_SOURCE).read_text()
    found = re.search(r'hex"([0-9a-fA-F]+)"', text)
    if found is None:
        raise DevnetError(f"no Permit2 bytecode in {PERMIT2_SOURCE}")
    return "0x" + found[1]


def router_dexes(dexes: Sequence[DexEntry]) -> dict[str, DexEntry]:
    """The DEXes the routers go through, by kind (`uniswap-v2`, `uniswap-v3`, `uniswap-v4`)."""
    found: dict[str, DexEntry] = {}
    for dex in dexes:
        if dex.kind in found:
            continue
        if dex.kind == DexKind.UNISWAP_V2.value:
            uniswap_pair = (dex.init_code_hash or "").lower() == UNISWAP_V2_INIT_CODE_HASH
            if uniswap_pair and dex.fee_pips == _V2_FEE_PIPS:
                found[dex.kind] = dex
        elif dex.kind == DexKind.UNISWAP_V3.value:
            if (dex.init_code_hash or "").lower() == UNISWAP_V3_INIT_CODE_HASH:
                found[dex.kind] = dex
        elif dex.kind == DexKind.UNISWAP_V4.value:
            found[dex.kind] = dex
    return found


async def deploy_routers(
    rpc: RpcClient, deployer: TxSender, dexes: Sequence[DexEntry], weth: str
) -> tuple[RouterEntry, ...]:
    """Put Permit2 in place and deploy SwapRouter02 (over V2 and V3) and the UniversalRouter
    (over V2, V3 and V4) where the chain has those DEXes; their manifest entries."""
    by_kind = router_dexes(dexes)
    v2, v3, v4 = (
        by_kind.get(k.value) for k in (DexKind.UNISWAP_V2, DexKind.UNISWAP_V3, DexKind.UNISWAP_V4)
    )
    routers: list[RouterEntry] = []
    if v2 is not None or v3 is not None:
        address = await deployer.deploy(
            "SwapRouter02",
            load_npm_artifact(ROUTER_ARTIFACT_PATHS["SwapRouter02"]),
            ["address"] * 4,
            [
                v2.factory if v2 else _ZERO,
                v3.factory if v3 else _ZERO,
                (v3.position_manager or _ZERO) if v3 else _ZERO,
                weth,
            ],
        )
        names = tuple(d.name for d in (v2, v3) if d is not None)
        routers.append(RouterEntry(kind=SWAP_ROUTER_02, address=address, dexes=names))
    if v2 is not None or v3 is not None or v4 is not None:
        await rpc.call("anvil_setCode", PERMIT2, permit2_runtime_code())
        parameters = (
            PERMIT2,
            weth,
            v2.factory if v2 else _ZERO,
            v3.factory if v3 else _ZERO,
            bytes.fromhex(UNISWAP_V2_INIT_CODE_HASH[2:]) if v2 else _ZERO_HASH,
            bytes.fromhex(UNISWAP_V3_INIT_CODE_HASH[2:]) if v3 else _ZERO_HASH,
            v4.factory if v4 else _ZERO,
            _ZERO,
            _ZERO,
            _ZERO,
        )
        address = await deployer.deploy(
            "UniversalRouter",
            load_npm_artifact(ROUTER_ARTIFACT_PATHS["UniversalRouter"]),
            [_ROUTER_PARAMETERS],
            [parameters],
        )
        names = tuple(d.name for d in (v2, v3, v4) if d is not None)
        routers.append(RouterEntry(kind=UNIVERSAL_ROUTER, address=address, dexes=names))
    return tuple(routers)

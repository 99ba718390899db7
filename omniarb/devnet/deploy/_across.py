"""Across V3 on a devnet chain (npm `@across-protocol/contracts` 5.0.27): the chain's own
SpokePool, as Across deploys it — the implementation, then the package's `ERC1967Proxy` (UUPS)
whose constructor calls `initialize` — and the devnet relayer's account funded with every token
and its allowance to the SpokePool.

The SpokePool per chain is the one Across runs there: `Ethereum_SpokePool`, `Arbitrum_SpokePool`,
`OP_SpokePool` (the Ovm_ family), `Polygon_SpokePool` and, on BNB Chain, `Universal_SpokePool`.
Every CCTP messenger, OFT endpoint, gateway, Helios light client, token bridger and FxChild is
the zero address: none exists on the devnet, and each constructor accepts zero (CCTP is then
disabled, `CircleCCTPAdapter._isCCTPEnabled`; the others are only read by admin and
HubPool-bridging paths the devnet never takes). The cross-domain admin and the withdrawal
recipient are `ACROSS_ADMIN_INDEX`, which must be non-zero (`SpokePool._setCrossDomainAdmin`).
"""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType
from typing import Any

from omniarb.chains.abi import encode_call
from omniarb.chains.spec import ChainSpec
from omniarb.contracts import load_npm_artifact
from omniarb.devnet.accounts import ACROSS_ADMIN_INDEX, ACROSS_RELAYER_INDEX, dev_account
from omniarb.devnet.catalog import REFERENCE_PRICES_USD
from omniarb.devnet.deploy._sender import Sender, mined_receipt
from omniarb.devnet.pricing import amount_for_usd
from omniarb.errors import DevnetError
from omniarb.network import BridgeEntry, TokenEntry

__all__ = ["ACROSS_ARTIFACT_PATHS", "DEPOSIT_QUOTE_TIME_BUFFER_S", "FILL_DEADLINE_BUFFER_S"]

_ROOT = "@across-protocol/contracts/dist/evm/artifacts/"
_SPOKE_POOLS = MappingProxyType(
    {
        "ethereum": "Ethereum_SpokePool",
        "arbitrum": "Arbitrum_SpokePool",
        "optimism": "OP_SpokePool",
        "polygon": "Polygon_SpokePool",
        "bnb": "Universal_SpokePool",
    }
)
ACROSS_ARTIFACT_PATHS = MappingProxyType(
    {name: f"{_ROOT}{name}.sol/{name}.json" for name in (*_SPOKE_POOLS.values(), "ERC1967Proxy")}
)
# What Across's own deployments use: a quote may be an hour old; a fill deadline at most 6 h
# ahead of the deposit.
DEPOSIT_QUOTE_TIME_BUFFER_S = 3600
FILL_DEADLINE_BUFFER_S = 6 * 3600
# Universal_SpokePool: how long an admin update waits before it may be executed without Helios.
_ADMIN_UPDATE_BUFFER_S = 86_400
_ZERO = "0x" + "00" * 20
# Each token the relayer starts with, on every chain: enough for a demo's rebalances.
_RELAYER_FUNDS_USD = 5_000_000
_RELAYER_GAS_WEI = 10_000 * 10**18
_MAX_UINT = 2**256 - 1


def _constructor(chain: str, wrapped_native: str) -> tuple[list[str], list[Any]]:
    buffers: list[Any] = [wrapped_native, DEPOSIT_QUOTE_TIME_BUFFER_S, FILL_DEADLINE_BUFFER_S]
    common = ["address", "uint32", "uint32"]
    if chain == "ethereum":  # (weth, quoteBuffer, fillBuffer, gateway)
        return [*common, "address"], [*buffers, _ZERO]
    if chain == "optimism":  # (weth, …, l2Usdc, cctpTokenMessenger, gateway)
        return [*common, "address", "address", "address"], [*buffers, _ZERO, _ZERO, _ZERO]
    oft = ["address", "address", "uint32", "uint256", "address"]
    oft_args = [_ZERO, _ZERO, 0, 0, _ZERO]  # l2Usdc, cctp, oftDstEid, oftFeeCap, gateway
    if chain in ("arbitrum", "polygon"):
        return [*common, *oft], [*buffers, *oft_args]
    if chain == "bnb":  # (adminUpdateBuffer, helios, hubPoolStore, weth, …)
        return (
            ["uint256", "address", "address", *common, *oft],
            [_ADMIN_UPDATE_BUFFER_S, _ZERO, _ZERO, *buffers, *oft_args],
        )
    raise DevnetError(f"no Across SpokePool for chain {chain!r}")


def _initialize(chain: str, admin: str) -> str:
    if chain == "ethereum":  # the HubPool's chain: the owner is the admin
        return encode_call("initialize(uint32,address)", 0, admin)
    if chain == "arbitrum":  # (depositId, l2GatewayRouter, crossDomainAdmin, withdrawal)
        return encode_call("initialize(uint32,address,address,address)", 0, _ZERO, admin, admin)
    if chain == "polygon":  # (depositId, polygonTokenBridger, admin, withdrawal, fxChild)
        return encode_call(
            "initialize(uint32,address,address,address,address)", 0, _ZERO, admin, admin, _ZERO
        )
    return encode_call("initialize(uint32,address,address)", 0, admin, admin)


async def deploy_across(
    chain: ChainSpec, deployer: Sender, tokens: Sequence[TokenEntry]
) -> BridgeEntry:
    """Deploy the chain's SpokePool behind its proxy and fund the relayer; the manifest entry
    (its `api_url` and `expected_delay_s` are filled when the devnet relayer starts)."""
    name = _SPOKE_POOLS.get(chain.name)
    if name is None:
        raise DevnetError(f"no Across SpokePool for chain {chain.name!r}")
    wrapped = next((t for t in tokens if t.wrapped_native), None)
    if wrapped is None:
        raise DevnetError(f"{chain.name} has no wrapped native token for its SpokePool")
    admin = dev_account(ACROSS_ADMIN_INDEX).address
    types, args = _constructor(chain.name, wrapped.address)
    implementation = await deployer.deploy(
        name, load_npm_artifact(ACROSS_ARTIFACT_PATHS[name]), types, args
    )
    init = bytes.fromhex(_initialize(chain.name, admin).removeprefix("0x"))
    proxy = await deployer.deploy(
        f"{name} proxy",
        load_npm_artifact(ACROSS_ARTIFACT_PATHS["ERC1967Proxy"]),
        ["address", "bytes"],
        [implementation, init],
    )
    relayer = await _fund_relayer(deployer, tokens, proxy)
    return BridgeEntry(
        name="across",
        kind="across",
        address=proxy,
        contracts={"spoke_pool_implementation": implementation, "relayer": relayer, "admin": admin},
    )


async def _fund_relayer(deployer: Sender, tokens: Sequence[TokenEntry], spoke_pool: str) -> str:
    """Give the relayer account gas, every token, and the SpokePool's allowance (it pulls the
    output token from the relayer when filling: `SpokePool._transferTokensToRecipient`)."""
    rpc = deployer.rpc
    address = dev_account(ACROSS_RELAYER_INDEX).address
    amounts = {
        t.symbol: amount_for_usd(_RELAYER_FUNDS_USD, REFERENCE_PRICES_USD[t.asset], t.decimals)
        for t in tokens
    }
    native_wei = _RELAYER_GAS_WEI + sum(amounts[t.symbol] for t in tokens if t.wrapped_native)
    await rpc.call("anvil_setBalance", address, hex(native_wei))
    # The deployment node knows only anvil's first accounts' keys: it sends as the relayer.
    await rpc.call("anvil_impersonateAccount", address)
    relayer = Sender(rpc, address, deployer.sent)
    for token in tokens:
        amount = amounts[token.symbol]
        if token.wrapped_native:
            data = encode_call("deposit()")
            await relayer.send(f"relayer wraps {token.symbol}", token.address, data, value=amount)
        else:
            data = encode_call("mint(address,uint256)", address, amount)
            await deployer.send(f"mint {token.symbol} to the relayer", token.address, data)
        data = encode_call("approve(address,uint256)", spoke_pool, _MAX_UINT)
        await relayer.send(f"relayer approves {token.symbol}", token.address, data)
    last = relayer.sent[-1][1]
    await mined_receipt(rpc, last)
    await rpc.call("anvil_stopImpersonatingAccount", address)
    return address

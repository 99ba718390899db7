"""What the rebalancer is built from: the inventory's token of each (chain, asset), the bands in
base units, and the inventory account's balances read from each chain.

    tokens = inventory_tokens(manifest, {band.asset for band in settings.rebalance.bands})
    bands = bands_in_base_units(settings.rebalance, tokens)     # ConfigError naming the band
    balances = ChainBalances(rpcs={"ethereum": rpc, ...}, accounts=..., tokens=tokens)
    holdings = await balances()                                  # list[Holding]
    access = chain_access("arbitrum", rpc=rpc, signer=signer, allocators=allocators, tip_wei=tip)
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping

from omniarb._config_rebalance import RebalanceSettings
from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import chain_by_name
from omniarb.crosschain.nonces import NonceAllocators
from omniarb.crosschain.rebalance_plan import Band, Holding
from omniarb.crosschain.transfer_send import ChainAccess
from omniarb.errors import ConfigError
from omniarb.execute.signer import Signer
from omniarb.network import Manifest, TokenEntry

__all__ = ["ChainBalances", "bands_in_base_units", "chain_access", "inventory_tokens"]


def inventory_tokens(
    manifest: Manifest, assets: Iterable[str]
) -> dict[tuple[str, str], TokenEntry]:
    """Per (chain, asset): the token that is the asset's own issue there (a bridged variant is
    another asset, `TokenEntry.bridged`); chains without one are left out."""
    wanted = set(assets)
    found: dict[tuple[str, str], TokenEntry] = {}
    for chain in manifest.chains:
        for token in chain.tokens:
            if token.asset in wanted and token.bridged is None:
                found.setdefault((chain.name, token.asset), token)
    return found


def bands_in_base_units(
    settings: RebalanceSettings, tokens: Mapping[tuple[str, str], TokenEntry]
) -> list[Band]:
    """`settings.bands` in base units of each chain's token (ConfigError for a band whose
    asset has no token on its chain)."""
    bands: list[Band] = []
    for index, band in enumerate(settings.bands):
        token = tokens.get((band.chain, band.asset))
        if token is None:
            raise ConfigError(
                f"rebalance.bands[{index}]: no {band.asset} token on {band.chain} "
                "in the network description"
            )
        low, target, high = band.base_units(token.decimals)
        bands.append(Band(asset=band.asset, chain=band.chain, low=low, target=target, high=high))
    return bands


class ChainBalances:
    """The inventory account's balance of each token, read from its chain (`balanceOf`).

    For the wrapped native token (WETH, WBNB) the account's native coin counts too: a bridge
    pays that asset to an account without code in the coin (Across's SpokePool unwraps WETH
    for such a recipient), and the inventory holds the asset in either form."""

    def __init__(
        self,
        *,
        rpcs: Mapping[str, RpcClient],
        accounts: Mapping[str, str],
        tokens: Mapping[tuple[str, str], TokenEntry],
    ) -> None:
        self._rpcs = rpcs
        self._accounts = accounts
        self._tokens = {key: t for key, t in tokens.items() if key[0] in rpcs}

    async def __call__(self) -> list[Holding]:
        keys = list(self._tokens)
        amounts = await asyncio.gather(*(self._balance(chain, asset) for chain, asset in keys))
        return [
            Holding(
                asset=asset,
                chain=chain,
                amount=amount,
                decimals=self._tokens[chain, asset].decimals,
            )
            for (chain, asset), amount in zip(keys, amounts, strict=True)
        ]

    async def _balance(self, chain: str, asset: str) -> int:
        token = self._tokens[chain, asset]
        rpc, account = self._rpcs[chain], self._accounts[chain]
        data = encode_call("balanceOf(address)", account)
        answer = await rpc.call("eth_call", {"to": token.address, "data": data}, "latest")
        held = int(decode(["uint256"], answer)[0])
        if token.wrapped_native:
            held += int(await rpc.call("eth_getBalance", account, "latest"), 16)
        return held


def chain_access(
    chain: str, *, rpc: RpcClient, signer: Signer, allocators: NonceAllocators, tip_wei: int
) -> ChainAccess:
    """How the rebalancer sends on `chain` as `signer` (the inventory account): its nonces
    from `allocators`, the one the cross-chain legs take theirs from too."""
    return ChainAccess(
        chain=chain,
        rpc=rpc,
        signer=signer,
        nonces=allocators.manager(chain=chain, rpc=rpc, address=signer.address),
        fee_model=chain_by_name(chain).fee_model,
        tip_wei=tip_wei,
    )

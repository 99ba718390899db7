"""The inventory as the API shows it (`omniarb.api.inventory.InventoryView`): per chain, each
token the inventory account holds or has a band for, its USD value at the cross-chain view's
price, the rebalancer's band, and what bridges are moving in and out. A copy of what the
coordinator and the rebalancer hold: no I/O, cheap enough for every request and tick."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from omniarb.api.inventory import AssetHolding, ChainInventory, InventorySnapshot
from omniarb.chains.assets import AssetRegistry
from omniarb.crosschain.inventory import InventoryBook
from omniarb.crosschain.rebalance_build import BuiltRebalancer
from omniarb.network import ChainManifest

__all__ = ["CrossChainInventoryView"]


class CrossChainInventoryView:
    """Reads `book` (balances), `price_usd` (identity, chain → USD per whole token) and the
    rebalancer (bands, transfers in flight) when asked."""

    def __init__(
        self,
        *,
        chains: tuple[ChainManifest, ...],
        book: InventoryBook,
        registry: AssetRegistry,
        price_usd: Callable[[str, str], float | None],
        rebalancer: BuiltRebalancer | None = None,
    ) -> None:
        self._chains = chains
        self._book = book
        self._registry = registry
        self._price_usd = price_usd
        self._rebalancer = rebalancer

    def snapshot(self) -> InventorySnapshot:
        held = self._book.snapshot()
        bands = self._bands()
        moving_in, moving_out = self._in_flight()
        chains = []
        for chain in self._chains:
            assets = []
            for token in chain.tokens:
                key = (chain.name, token.address.lower())
                amount = held.get(key, 0)
                band = bands.get(key)
                if amount == 0 and band is None:
                    continue
                identity = self._registry.identity(chain.name, token.address) or token.asset
                price = self._price_usd(identity, chain.name)
                assets.append(
                    AssetHolding(
                        asset=identity,
                        token=token.address,
                        decimals=token.decimals,
                        amount=amount,
                        usd=None if price is None else price * amount / 10**token.decimals,
                        low=band[0] if band else None,
                        target=band[1] if band else None,
                        high=band[2] if band else None,
                        in_flight_in=moving_in.get(key, 0),
                        in_flight_out=moving_out.get(key, 0),
                    )
                )
            account = chain.inventory_account
            chains.append(ChainInventory(chain=chain.name, account=account, assets=tuple(assets)))
        return InventorySnapshot(taken_at=datetime.now(UTC), chains=tuple(chains))

    def _bands(self) -> Mapping[tuple[str, str], tuple[int, int, int]]:
        if self._rebalancer is None:
            return {}
        bands: dict[tuple[str, str], tuple[int, int, int]] = {}
        for band in self._rebalancer.bands:
            token = self._rebalancer.tokens.get((band.chain, band.asset))
            if token is not None:
                bands[(band.chain, token.address.lower())] = (band.low, band.target, band.high)
        return bands

    def _in_flight(self) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], int]]:
        moving_in: dict[tuple[str, str], int] = {}
        moving_out: dict[tuple[str, str], int] = {}
        if self._rebalancer is None:
            return moving_in, moving_out
        for transfer in self._rebalancer.rebalancer.open_transfers:
            into = (transfer.dst_chain, transfer.token_out.lower())
            out = (transfer.src_chain, transfer.token_in.lower())
            moving_in[into] = moving_in.get(into, 0) + transfer.amount_out_expected
            moving_out[out] = moving_out.get(out, 0) + transfer.amount_in
        return moving_in, moving_out

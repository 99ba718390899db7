"""Token identity across chains: which token on each chain is the same asset.

A token's identity is its manifest entry's `asset` for the asset's own issue and
`asset@bridged` for a bridged variant (`TokenEntry.bridged`): Binance-Peg USDC on BNB Chain is
`USDC@binance-peg`, Polygon PoS WETH is `ETH@pos`. A variant is another asset than the native
issue (it can depeg, its bridge can halt) until the configuration declares it equivalent
(`[cross_chain] equivalent_assets = {"USDC@binance-peg" = "USDC"}`), after which it is traded
as the identity it maps to. Where a chain then holds two tokens of one identity, the asset's
own issue wins (the variant is the one a pool is least likely to quote against).

    registry = AssetRegistry.from_manifest(manifest, settings.cross_chain.equivalent_assets)
    registry.identity("bnb", "0x8ac7…")   # "USDC" once declared equivalent
    registry.token("ETH", "polygon")       # Polygon's WETH, if ETH@pos = ETH
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from omniarb.errors import ConfigError
from omniarb.network import Manifest, TokenEntry

__all__ = ["AssetRegistry", "variant_key"]


def variant_key(token: TokenEntry) -> str:
    """`asset` for the asset's own issue, `asset@issuer` for a bridged variant."""
    return token.asset if token.bridged is None else f"{token.asset}@{token.bridged}"


class AssetRegistry:
    """Which token is which asset on each chain, by identity (see the module docstring)."""

    def __init__(
        self,
        tokens_by_chain: Mapping[str, Iterable[TokenEntry]],
        equivalent_assets: Mapping[str, str] | None = None,
    ) -> None:
        equivalent = dict(equivalent_assets or {})
        for variant, identity in equivalent.items():
            if identity in equivalent:
                raise ConfigError(
                    f"cross_chain.equivalent_assets.{variant}: {identity!r} is itself a variant"
                )
        self._equivalent = equivalent
        self._by_address: dict[tuple[str, str], str] = {}
        self._tokens: dict[str, dict[str, TokenEntry]] = {}
        self._wrapped_native: dict[str, TokenEntry] = {}
        for chain, tokens in tokens_by_chain.items():
            for token in tokens:
                self._add(chain, token)
                if token.wrapped_native:
                    self._wrapped_native[chain] = token

    @classmethod
    def from_manifest(
        cls, manifest: Manifest, equivalent_assets: Mapping[str, str] | None = None
    ) -> AssetRegistry:
        return cls({c.name: c.tokens for c in manifest.chains}, equivalent_assets)

    def _add(self, chain: str, token: TokenEntry) -> None:
        key = variant_key(token)
        identity = self._equivalent.get(key, key)
        on_chain = self._tokens.setdefault(identity, {})
        held = on_chain.get(chain)
        # Two tokens of one identity on a chain: the asset's own issue wins.
        if held is None or (variant_key(held) != identity and key == identity):
            if held is not None:
                self._by_address.pop((chain, held.address.lower()), None)
            on_chain[chain] = token
            self._by_address[(chain, token.address.lower())] = identity

    def identity(self, chain: str, token_address: str) -> str | None:
        """The identity of the token at `token_address` on `chain` (None: not registered)."""
        return self._by_address.get((chain, token_address.lower()))

    def token(self, identity: str, chain: str) -> TokenEntry | None:
        """The token of `identity` on `chain`, or None where the chain has none."""
        return self._tokens.get(identity, {}).get(chain)

    def wrapped_native(self, chain: str) -> TokenEntry | None:
        """The chain's wrapped native token (the hub a two-hop leg may pass through)."""
        return self._wrapped_native.get(chain)

    def native_identities(self) -> tuple[str, ...]:
        """The identities of the chains' wrapped native tokens, sorted (what gas is paid in)."""
        found = {self.identity(c, t.address) for c, t in self._wrapped_native.items()}
        return tuple(sorted(i for i in found if i is not None))

    def chains(self, identity: str) -> tuple[str, ...]:
        """The chains that hold a token of `identity`, sorted."""
        return tuple(sorted(self._tokens.get(identity, {})))

    def assets(self) -> tuple[str, ...]:
        """Every identity, sorted."""
        return tuple(sorted(self._tokens))

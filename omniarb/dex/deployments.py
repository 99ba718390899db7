"""The DEXes of a described chain as the adapters take them: each DEX's parameters (its fee
where the DEX sets one for all its pools, and the init code hash its pools are created with:
the description's own, else the known deployment's from the chain specs; an unknown deployment
is a `ConfigError` naming it), and the traded DEXes grouped by kind."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from omniarb.chains.spec import CHAINS, DexSpec
from omniarb.dex.base import DexDeployment
from omniarb.dex.registry import adapter, is_traded
from omniarb.errors import ConfigError
from omniarb.network import ChainManifest, DexEntry

__all__ = ["DexParameters", "dex_parameters", "traded_deployments"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class DexParameters:
    """What the math and the executor need of a DEX: its V2 swap fee (None for V3, whose fee
    is per pool), the init code hash its pools are CREATE2-deployed with, and the address that
    deploys them (the factory, or a separate pool deployer)."""

    fee_bps: int | None
    init_code_hash: str
    pool_deployer: str
    lens: str | None = None


def dex_parameters(chain: ChainManifest, dex: DexEntry) -> DexParameters:
    """The fee and init code hash of `dex` on `chain`: the description's own, else those of the
    known deployment (`chains.spec`) when the description names that deployment's factory.

    A DEX the bot cannot price exactly is a `ConfigError`: an unknown factory without its
    parameters, or a fork whose pairs each store their own fee.
    """
    known = _known_deployment(chain.chain_id, dex)
    init_code_hash = dex.init_code_hash or (known.init_code_hash if known else None)
    pool_deployer = dex.pool_deployer or (known.pool_deployer if known else None) or dex.factory
    fee_per_pool = adapter(dex.kind).fee_per_pool
    if fee_per_pool:
        fee_bps = None
    elif dex.fee_pips is not None:
        if dex.fee_pips % 100:
            raise ConfigError(
                f"{chain.name}: DEX {dex.name}: fee_pips {dex.fee_pips} is not a whole number "
                "of basis points, which a V2 pair's fee always is"
            )
        fee_bps = dex.fee_pips // 100
    elif known is not None and known.fee_bps is None:
        raise ConfigError(
            f"{chain.name}: DEX {dex.name} stores a fee per pair, which omni-arb does not read "
            "yet; leave it out of the network description"
        )
    else:
        fee_bps = known.fee_bps if known else None
    if init_code_hash is None or (not fee_per_pool and fee_bps is None):
        raise ConfigError(
            f"{chain.name}: DEX {dex.name} (factory {dex.factory}) is not a deployment omni-arb "
            "knows; give its fee_pips and init_code_hash in the network description"
        )
    return DexParameters(
        fee_bps=fee_bps,
        init_code_hash=init_code_hash,
        pool_deployer=pool_deployer,
        lens=dex.lens or (known.lens if known else None),
    )


def _known_deployment(chain_id: int, dex: DexEntry) -> DexSpec | None:
    """The chain spec's DEX of `dex`'s name, if `dex` is that deployment (same factory)."""
    for spec in CHAINS:
        if spec.chain_id != chain_id:
            continue
        for known in spec.dexes:
            if known.name == dex.name and known.factory.lower() == dex.factory.lower():
                return known
    return None


def traded_deployments(chain: ChainManifest) -> dict[str, list[DexDeployment]]:
    """`chain`'s traded DEXes by kind, in the description's order, each with the chain's
    wrapped native token (the description's token marked `wrapped_native`); the others are
    logged."""
    wrapped = next((token.address for token in chain.tokens if token.wrapped_native), None)
    by_kind: dict[str, list[DexDeployment]] = {}
    for dex in chain.dexes:
        if not is_traded(dex.kind):
            log.info("%s: DEX %s (%s) is not traded yet", chain.name, dex.name, dex.kind)
            continue
        params = dex_parameters(chain, dex)
        deployment = DexDeployment(
            name=dex.name,
            factory=dex.factory,
            fee_bps=params.fee_bps,
            lens=params.lens,
            wrapped_native=wrapped,
        )
        by_kind.setdefault(dex.kind, []).append(deployment)
    return by_kind

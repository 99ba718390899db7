"""The DEXes of a described chain that omni-arb trades, grouped by kind, as their adapters take
them: each with the fee and init code hash `network.dex_parameters` settles (the description's
own, else the known deployment's; an unknown deployment is a `ConfigError` naming it)."""

from __future__ import annotations

import logging

from omniarb.dex.base import DexDeployment
from omniarb.dex.registry import is_traded
from omniarb.network import ChainManifest, dex_parameters

__all__ = ["traded_deployments"]

log = logging.getLogger(__name__)


def traded_deployments(chain: ChainManifest) -> dict[str, list[DexDeployment]]:
    """`chain`'s traded DEXes by kind, in the description's order; the others are logged."""
    by_kind: dict[str, list[DexDeployment]] = {}
    for dex in chain.dexes:
        if not is_traded(dex.kind):
            log.info("%s: DEX %s (%s) is not traded yet", chain.name, dex.name, dex.kind)
            continue
        params = dex_parameters(chain, dex)
        deployment = DexDeployment(name=dex.name, factory=dex.factory, fee_bps=params.fee_bps)
        by_kind.setdefault(dex.kind, []).append(deployment)
    return by_kind

"""Every kind in the adapter registry is checked by the conformance suite: the suite has its
support for the kind (`_conformance.SUPPORT`: the contracts' own swap answer, a router trade, a
liquidity mover), and the devnet chains it runs on deploy at least one DEX of the kind. A kind
added without them fails here, by name, rather than passing the suite unchecked."""

from __future__ import annotations

import pytest
from _conformance import CHAINS, SUPPORT, deployments

from omniarb.dex.deployments import dex_parameters
from omniarb.dex.registry import ADAPTERS
from omniarb.dex.uniswap_v2.adapter import ADAPTER as UNISWAP_V2

pytestmark = pytest.mark.integration


async def test_every_registered_kind_has_conformance_support(devnet_factory) -> None:
    missing = sorted(set(ADAPTERS) - set(SUPPORT))
    assert not missing, f"no conformance support for the registered kinds {missing}"
    assert set(SUPPORT) == set(ADAPTERS), "conformance support for kinds no longer registered"
    async with devnet_factory(dict.fromkeys(CHAINS)) as net:
        chains = [net.manifest.chain(name) for name in CHAINS]
    for kind in ADAPTERS:
        found = [(c.name, d.name) for c in chains for d in deployments(c, kind)]
        assert found, f"the devnet deploys no {kind} DEX on {CHAINS}: nothing to check it on"
    # The V2 kind stands for three builds, each with its own pair code and fee.
    v2 = [(c, d) for c in chains for d in deployments(c, UNISWAP_V2.kind)]
    builds = {(dex_parameters(c, d).init_code_hash, dex_parameters(c, d).fee_bps) for c, d in v2}
    assert len({code_hash for code_hash, _ in builds}) == 3, builds
    assert {fee_bps for _, fee_bps in builds} == {25, 30}

"""Across on the real networks: its API and the SpokePools of the five chains omni-arb trades.

The addresses are those `@across-protocol/contracts` 5.0.27 records as deployed
(`dist/broadcast/deployed-addresses.json`, `chains.<id>.contracts.SpokePool`), the same as
docs.across.to's "Contract Addresses" pages. `AcrossBridge` uses them for a chain of a described
network whose manifest names no `across` bridge of its own.
"""

from __future__ import annotations

from types import MappingProxyType

from omniarb.network import BridgeEntry

__all__ = ["PRODUCTION_API_URL", "PRODUCTION_SPOKE_POOLS", "production_entry"]

PRODUCTION_API_URL = "https://app.across.to/api"
PRODUCTION_SPOKE_POOLS = MappingProxyType(
    {
        1: "0x5c7BCd6E7De5423a257D81B442095A1a6ced35C5",  # Ethereum_SpokePool
        10: "0x6f26Bf09B1C792e3228e5467807a900A503c0281",  # OP_SpokePool
        56: "0x4e8E101924eDE233C13e2D8622DC8aED2872d505",  # Universal_SpokePool (BNB Chain)
        137: "0x9295ee1d8C5b022Be115A2AD3c30C72E34e7F096",  # Polygon_SpokePool
        42161: "0xe35e9842fceaCA96570B734083f4a58e8F7C5f2A",  # Arbitrum_SpokePool
    }
)
# What Across's fills usually take on these routes (its API's `estimatedFillTimeSec` for
# amounts within the instant limit is a few seconds).
_EXPECTED_DELAY_S = 10.0


def production_entry(chain_id: int) -> BridgeEntry | None:
    """The `across` bridge entry of a real chain, None for a chain not in the table."""
    address = PRODUCTION_SPOKE_POOLS.get(chain_id)
    if address is None:
        return None
    return BridgeEntry(
        name="across",
        kind="across",
        address=address,
        api_url=PRODUCTION_API_URL,
        expected_delay_s=_EXPECTED_DELAY_S,
    )

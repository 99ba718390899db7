"""Bridges: moving inventory between chains (`Bridge` in `omniarb.bridges.base`), one adapter
per bridge kind: `AcrossBridge` (Across SpokePools, quoted by Across's API;
`omniarb.bridges.across`) and `CanonicalBridge` (lock on the source, released after the
messenger's delay; `omniarb.bridges.canonical`)."""

from omniarb.bridges.across import AcrossBridge
from omniarb.bridges.across_mainnet import PRODUCTION_API_URL, PRODUCTION_SPOKE_POOLS
from omniarb.bridges.base import (
    Arrival,
    Bridge,
    BridgeCall,
    BridgeQuote,
    Deposit,
    TransferStatus,
)
from omniarb.bridges.canonical import CanonicalBridge

__all__ = [
    "PRODUCTION_API_URL",
    "PRODUCTION_SPOKE_POOLS",
    "AcrossBridge",
    "Arrival",
    "Bridge",
    "BridgeCall",
    "BridgeQuote",
    "CanonicalBridge",
    "Deposit",
    "TransferStatus",
]

"""The devnet's bridges off chain: the agents a real bridge's operators run, each with
`async start()` / `async stop()`, hosted by `BridgeService`, which `omniarb.devnet.network.Devnet`
starts when asked for bridges and which writes each agent's URL into the manifest: Across's
relayer and its quote API, and the canonical bridge's messenger (`CanonicalMessenger`), which
finalizes every deposit on its destination after `[devnet.bridges] canonical_delay_s`."""

from omniarb.devnet.bridges.across_api import AcrossApi
from omniarb.devnet.bridges.across_fees import AcrossFee, AcrossFees, AcrossParams
from omniarb.devnet.bridges.across_relayer import AcrossRelayer, AcrossRelayerStats
from omniarb.devnet.bridges.canonical_messenger import CanonicalMessenger
from omniarb.devnet.bridges.service import BridgeAgent, BridgeService

__all__ = [
    "AcrossApi",
    "AcrossFee",
    "AcrossFees",
    "AcrossParams",
    "AcrossRelayer",
    "AcrossRelayerStats",
    "BridgeAgent",
    "BridgeService",
    "CanonicalMessenger",
]

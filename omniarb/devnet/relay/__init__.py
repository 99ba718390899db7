"""A Flashbots-style bundle relay that is also its devnet chain's block builder.

Searchers POST signed JSON-RPC (`eth_sendBundle`, `eth_callBundle`, `eth_cancelBundle`, the
`X-Flashbots-Signature` header checked); the relay simulates bundles with `eth_simulateV1`,
ranks them by what they pay the coinbase and mines each block itself with the winning bundles
at the top, atomically and in order, then the public pool. Devnet only: the product reaches it
through `omniarb.execute.relay_client`, like any relay.
"""

from omniarb.devnet.relay.builder import BuiltBlock
from omniarb.devnet.relay.server import RelayServer
from omniarb.devnet.relay.stats import RelayStats

__all__ = ["BuiltBlock", "RelayServer", "RelayStats"]

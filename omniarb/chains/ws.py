"""JSON-RPC over WebSocket with `eth_subscribe`: the one place that knows `websockets`.

Two layers. `WsClient` is one connection: `call`, `subscribe` and `next_notification`, read by a
single consumer (no background task: a call reads the socket until its answer arrives and keeps
any notification it passes for later). `WsSubscriptions` keeps a set of subscriptions alive
across dropped connections and over one or several endpoints: it reconnects with capped
exponential backoff and jitter (the shared `omniarb.backoff.Backoff`), fails over to the next
endpoint when one drops, refuses or falls behind the others' heads, goes back to a preferred one
once it recovers, subscribes again, and tells its consumer about the gap with a `WsReconnected`
item, because notifications sent while it was away are lost and the consumer has to back-fill
them. Endpoint health is reported as the HTTP client's `EndpointHealth`.

Everything above this module sees `RpcTransportError` (connect failed, socket dropped, timeout;
`MalformedAnswerError` for a frame that is not JSON-RPC) or a node's error object translated the
way the HTTP stack translates it (`omniarb.chains.rpc.translate_node_error`: a revert, a rate
limit or an `RpcError`), never a `websockets` exception.
"""

from omniarb.chains._ws_client import (
    ReconnectPolicy,
    SubscriptionSpec,
    WsClient,
    WsNotification,
    WsReconnected,
)
from omniarb.chains._ws_endpoints import WsEndpoint, WsEndpoints
from omniarb.chains._ws_subscriptions import WsSubscriptions

__all__ = [
    "ReconnectPolicy",
    "SubscriptionSpec",
    "WsClient",
    "WsEndpoint",
    "WsEndpoints",
    "WsNotification",
    "WsReconnected",
    "WsSubscriptions",
]

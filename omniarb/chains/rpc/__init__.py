"""JSON-RPC over HTTP as a stack of small layers, each with the same `call`/`batch` interface,
each wrapping the next (the way web3.py's middlewares or a tower service stack compose)::

    Measure          latency and outcome of each request → the monitor's `observe_rpc`
    Retry            retryable errors only, safe requests only, exponential backoff with jitter
    Hedge            sends (eth_sendRawTransaction) to every healthy endpoint at once: the first
                     acknowledgment answers, the others are counted (several endpoints only)
    Failover         several endpoints: health scores, cooldowns, stale heads set aside
      RateLimit      per endpoint: a token bucket
      TranslateErrors  a node's error object → revert, rate limit or refusal (our tree)
      HttpTransport  aiohttp, batching; aiohttp's errors → our transport errors

`RpcClient(url)` composes the default stack over one URL (or several); the layers are public so
a benchmark or a test can build a partial stack. Everything above this package sees plain
Python values and `omniarb.errors`' tree, never aiohttp or a JSON-RPC error dict.
"""

from omniarb.chains.rpc._client import RpcClient, RpcPolicy
from omniarb.chains.rpc._failover import (
    EndpointHealth,
    EndpointObserver,
    Failover,
    FailoverPolicy,
    HedgeTarget,
)
from omniarb.chains.rpc._hedge import (
    ALREADY_KNOWN,
    HEDGED_BY_DEFAULT,
    Hedge,
    HedgeAnswer,
    HedgeObserver,
    HedgeOutcome,
    already_known,
    most_telling_error,
)
from omniarb.chains.rpc._layer import BATCH, RpcLayer, RpcRequest, may_resend, reads_only
from omniarb.chains.rpc._metrics import Measure, RpcObserver
from omniarb.chains.rpc._ratelimit import RateLimit, TokenBucket
from omniarb.chains.rpc._retry import OnRetry, Retry, RetryPolicy
from omniarb.chains.rpc._translate import TranslateErrors, translate_node_error
from omniarb.chains.rpc._transport import (
    HttpTransport,
    http_post,
    raise_for_http_status,
    rpc_error_of,
    rpc_result,
)

__all__ = [
    "ALREADY_KNOWN",
    "BATCH",
    "HEDGED_BY_DEFAULT",
    "EndpointHealth",
    "EndpointObserver",
    "Failover",
    "FailoverPolicy",
    "Hedge",
    "HedgeAnswer",
    "HedgeObserver",
    "HedgeOutcome",
    "HedgeTarget",
    "HttpTransport",
    "Measure",
    "OnRetry",
    "RateLimit",
    "Retry",
    "RetryPolicy",
    "RpcClient",
    "RpcLayer",
    "RpcObserver",
    "RpcPolicy",
    "RpcRequest",
    "TokenBucket",
    "TranslateErrors",
    "already_known",
    "http_post",
    "may_resend",
    "most_telling_error",
    "raise_for_http_status",
    "reads_only",
    "rpc_error_of",
    "rpc_result",
    "translate_node_error",
]

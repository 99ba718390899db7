"""Across's quote API: `GET {api}/suggested-fees` and its answer as a value.

The production base URL is `https://app.across.to/api`; the devnet's relayer serves the same
path (`omniarb.devnet.bridges`). The fields read are the ones the deposit needs
(docs.across.to, "suggested-fees"): `totalRelayFee.total` and `lpFee.total` (input-token base
units), `outputAmount` (when absent, as in older answers: the amount less both fees),
`timestamp` (the deposit's `quoteTimestamp`), `fillDeadline`, `estimatedFillTimeSec`,
`isAmountTooLow`, `spokePoolAddress`, the exclusive relayer and `limits`.

Errors: the API unreachable, a timeout, a 429 or a 5xx are `RetryableError`s (the transport
errors of `omniarb.errors`); a 4xx (the API refused the route or the amount) or an answer
without the fields above is a `BridgeAnswerError` naming what was wrong.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aiohttp

from omniarb.chains.rpc import raise_for_http_status
from omniarb.errors import (
    BridgeAnswerError,
    RpcConnectError,
    RpcTimeoutError,
    RpcTransportError,
)

__all__ = ["SuggestedFees", "fetch_suggested_fees", "parse_suggested_fees"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SuggestedFees:
    """One `/suggested-fees` answer, amounts in base units, times in unix seconds."""

    total_relay_fee: int
    lp_fee: int
    output_amount: int
    quote_timestamp: int
    fill_deadline: int
    estimated_fill_time_s: float
    is_amount_too_low: bool
    spoke_pool: str
    exclusive_relayer: str
    exclusivity_deadline: int
    min_deposit: int
    max_deposit: int


def _int(data: dict[str, Any], *path: str) -> int:
    value: Any = data
    for key in path:
        if not isinstance(value, dict) or key not in value:
            raise BridgeAnswerError(f"suggested-fees answer lacks {'.'.join(path)}")
        value = value[key]
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BridgeAnswerError(f"suggested-fees {'.'.join(path)} is not an integer: {value!r}")
    try:
        return int(value)
    except ValueError as exc:
        raise BridgeAnswerError(f"suggested-fees {'.'.join(path)} = {value!r}") from exc


def parse_suggested_fees(data: Any, *, amount: int) -> SuggestedFees:
    """The answer to a query for `amount` (`BridgeAnswerError` if it is not one)."""
    if not isinstance(data, dict):
        raise BridgeAnswerError(f"suggested-fees answered {str(data)[:200]!r}, not an object")
    total = _int(data, "totalRelayFee", "total")
    lp = _int(data, "lpFee", "total") if "lpFee" in data else 0
    output = _int(data, "outputAmount") if "outputAmount" in data else amount - total - lp
    # The output is in the output token's decimals, which may differ from the input's: only
    # signs can be checked here.
    if output < 0 or total < 0 or lp < 0 or total + lp > amount:
        raise BridgeAnswerError(
            f"suggested-fees for {amount}: fee {total} + {lp} and output {output} do not add up"
        )
    spoke_pool = data.get("spokePoolAddress", "")
    fill_time = data.get("estimatedFillTimeSec", 0)
    if not isinstance(spoke_pool, str) or not isinstance(fill_time, int | float):
        raise BridgeAnswerError("suggested-fees spokePoolAddress or estimatedFillTimeSec malformed")
    limits = data.get("limits") or {}
    return SuggestedFees(
        total_relay_fee=total,
        lp_fee=lp,
        output_amount=output,
        quote_timestamp=_int(data, "timestamp"),
        fill_deadline=_int(data, "fillDeadline") if "fillDeadline" in data else 0,
        estimated_fill_time_s=float(fill_time),
        is_amount_too_low=bool(data.get("isAmountTooLow", False)),
        spoke_pool=spoke_pool,
        exclusive_relayer=str(data.get("exclusiveRelayer") or "0x" + "00" * 20),
        exclusivity_deadline=_int(data, "exclusivityDeadline")
        if "exclusivityDeadline" in data
        else 0,
        min_deposit=_int(limits, "minDeposit") if "minDeposit" in limits else 0,
        max_deposit=_int(limits, "maxDeposit") if "maxDeposit" in limits else 0,
    )


async def fetch_suggested_fees(
    session: aiohttp.ClientSession,
    api_url: str,
    *,
    input_token: str,
    output_token: str,
    origin_chain_id: int,
    destination_chain_id: int,
    amount: int,
) -> SuggestedFees:
    """Ask `api_url` (the API's base, e.g. `https://app.across.to/api`) for a quote."""
    url = api_url.rstrip("/") + "/suggested-fees"
    params = {
        "inputToken": input_token,
        "outputToken": output_token,
        "originChainId": str(origin_chain_id),
        "destinationChainId": str(destination_chain_id),
        "amount": str(amount),
    }
    try:
        async with session.get(url, params=params) as response:
            status, headers, raw = response.status, response.headers, await response.read()
    except aiohttp.ClientConnectorError as exc:
        raise RpcConnectError(f"connect: {exc.os_error or exc}", url=url) from exc
    except TimeoutError as exc:
        raise RpcTimeoutError("no answer in time", url=url) from exc
    except aiohttp.ClientError as exc:
        raise RpcTransportError(f"{type(exc).__name__}: {exc}", url=url) from exc
    if 400 <= status < 500 and status not in (408, 429):
        raise BridgeAnswerError(f"Across API refused the quote (HTTP {status}): {raw[:300]!r}")
    raise_for_http_status(status, headers, url=url, detail=raw[:200].decode(errors="replace"))
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise BridgeAnswerError(f"suggested-fees answered non-JSON: {raw[:200]!r}") from exc
    return parse_suggested_fees(data, amount=amount)

"""The part of Across's public HTTP API a bot quotes with, served by the devnet relayer:
`GET /api/suggested-fees?inputToken=&outputToken=&originChainId=&destinationChainId=&amount=`.

The answer has the real endpoint's shape (docs.across.to, "suggested-fees"): `totalRelayFee`,
`relayerCapitalFee`, `relayerGasFee` and `lpFee` as `{pct, total}` (pct a decimal string where
1e18 is 100 %, total in input-token base units), `timestamp` (the quote timestamp: the origin
chain's latest block), `quoteBlock`, `fillDeadline`, `exclusiveRelayer`, `exclusivityDeadline`,
`estimatedFillTimeSec`, `isAmountTooLow`, `spokePoolAddress`, `destinationSpokePoolAddress`,
`outputAmount`, `inputToken`/`outputToken` and `limits`. Here the relayer fee is the devnet's
(`AcrossFees`), the LP fee is 0 (no HubPool), the capacity (`maxDeposit*`) is what the relayer
holds of the output token, and the fill time is the relayer's delay. Errors answer the real
API's body, `{"type": "AcrossApiError", "code": …, "status": 400, "message": …}`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.devnet.bridges.across_fees import AcrossFees, AcrossRoute
from omniarb.errors import NODE_ERRORS, RejectedError
from omniarb.network import TokenEntry

__all__ = ["AcrossApi", "SpokeEndpoint"]

log = logging.getLogger(__name__)

_PCT_ONE = 10**18
_ZERO_ADDRESS = "0x" + "00" * 20
# How far ahead of the quote timestamp the fill deadline is: within the SpokePools' 6 h
# `fillDeadlineBuffer`, like the real API's.
FILL_DEADLINE_AHEAD_S = 3 * 3600


@dataclass(frozen=True, slots=True, kw_only=True)
class SpokeEndpoint:
    """A chain's node and SpokePool, as the API reads them."""

    rpc: RpcClient
    spoke_pool: str


class _BadRequestError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _error(code: str, message: str, status: int = 400) -> web.Response:
    body = {"type": "AcrossApiError", "code": code, "status": status, "message": message}
    return web.json_response(body, status=status)


def _int_param(query: Mapping[str, str], name: str) -> int:
    raw = query.get(name)
    if raw is None or not raw.isdigit():
        raise _BadRequestError(
            "INVALID_PARAM", f"{name} must be a non-negative integer, got {raw!r}"
        )
    return int(raw)


def _address_param(query: Mapping[str, str], name: str) -> str:
    raw = query.get(name, "")
    if len(raw) != 42 or not raw.startswith("0x"):
        raise _BadRequestError("INVALID_PARAM", f"{name} must be a 0x address, got {raw!r}")
    return raw


def _pct(part: int, whole: int) -> str:
    return str(part * _PCT_ONE // whole) if whole else "0"


def _token(token: TokenEntry, chain_id: int) -> dict[str, Any]:
    return {
        "address": token.address,
        "symbol": token.symbol,
        "decimals": token.decimals,
        "chainId": chain_id,
    }


class AcrossApi:
    """The `/api/suggested-fees` endpoint over `fees` and the chains' `endpoints`."""

    def __init__(
        self,
        fees: AcrossFees,
        endpoints: Mapping[int, SpokeEndpoint],
        *,
        relayer: str,
    ) -> None:
        self._fees = fees
        self._endpoints = endpoints
        self._relayer = relayer

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/api/suggested-fees", self._suggested_fees)
        return app

    async def _suggested_fees(self, request: web.Request) -> web.Response:
        try:
            return web.json_response(await self.suggested_fees(request.query))
        except _BadRequestError as exc:
            return _error(exc.code, str(exc))
        except NODE_ERRORS as exc:
            log.warning("suggested-fees: a node did not answer: %s", exc)
            return _error("UPSTREAM_RPC_ERROR", "a chain's node did not answer", status=503)

    async def suggested_fees(self, query: Mapping[str, str]) -> dict[str, Any]:
        """The answer to one query (`_BadRequestError` for a bad one)."""
        origin_id = _int_param(query, "originChainId")
        destination_id = _int_param(query, "destinationChainId")
        amount = _int_param(query, "amount")
        input_token = _address_param(query, "inputToken")
        output_token = _address_param(query, "outputToken")
        origin, destination = self._endpoints.get(origin_id), self._endpoints.get(destination_id)
        if origin is None or destination is None:
            raise _BadRequestError("UNSUPPORTED_CHAIN", f"no route {origin_id} -> {destination_id}")
        try:
            route = self._fees.route(origin_id, input_token, destination_id, output_token)
        except RejectedError as exc:
            raise _BadRequestError("ROUTE_NOT_ENABLED", str(exc)) from exc
        if amount <= 0:
            raise _BadRequestError("AMOUNT_TOO_LOW", "amount must be positive")
        fee = self._fees.fee(route, amount)
        head = await origin.rpc.call("eth_getBlockByNumber", "latest", False)
        timestamp = int(head["timestamp"], 16)
        limits = await self._limits(route, destination)
        return {
            "estimatedFillTimeSec": round(self._fees.params.delay_s),
            "capitalFeePct": _pct(fee.capital_fee_in, amount),
            "capitalFeeTotal": str(fee.capital_fee_in),
            "relayGasFeePct": _pct(fee.gas_fee_in, amount),
            "relayGasFeeTotal": str(fee.gas_fee_in),
            "relayFeePct": _pct(fee.total_fee_in, amount),
            "relayFeeTotal": str(fee.total_fee_in),
            "lpFeePct": "0",
            "timestamp": str(timestamp),
            "isAmountTooLow": amount < limits["minDeposit"],
            "quoteBlock": str(int(head["number"], 16)),
            "exclusiveRelayer": _ZERO_ADDRESS,
            "exclusivityDeadline": 0,
            "spokePoolAddress": origin.spoke_pool,
            "destinationSpokePoolAddress": destination.spoke_pool,
            "totalRelayFee": {
                "pct": _pct(fee.total_fee_in, amount),
                "total": str(fee.total_fee_in),
            },
            "relayerCapitalFee": {
                "pct": _pct(fee.capital_fee_in, amount),
                "total": str(fee.capital_fee_in),
            },
            "relayerGasFee": {"pct": _pct(fee.gas_fee_in, amount), "total": str(fee.gas_fee_in)},
            "lpFee": {"pct": "0", "total": "0"},
            "limits": {name: str(value) for name, value in limits.items()},
            "fillDeadline": str(timestamp + FILL_DEADLINE_AHEAD_S),
            "outputAmount": str(fee.output_amount),
            "inputToken": _token(route.token_in, origin_id),
            "outputToken": _token(route.token_out, destination_id),
        }

    async def _limits(self, route: AcrossRoute, destination: SpokeEndpoint) -> dict[str, int]:
        """Min: the fixed fee twice over; max: what the relayer holds of the output token, in
        input-token units (it fills instantly up to that)."""
        data = encode_call("balanceOf(address)", self._relayer)
        raw = await destination.rpc.call(
            "eth_call", {"to": route.token_out.address, "data": data}, "latest"
        )
        (balance_out,) = decode(["uint256"], raw)
        capacity_in = balance_out * 10**route.token_in.decimals // 10**route.token_out.decimals
        minimum = self._fees.min_deposit(route)
        return {
            "minDeposit": minimum,
            "maxDeposit": capacity_in,
            "maxDepositInstant": capacity_in,
            "maxDepositShortDelay": capacity_in,
            "recommendedDepositInstant": capacity_in,
        }

"""`RelayClient`: the searcher's side of a Flashbots-style bundle relay.

    async with RelayClient(url, auth=RelayAuth(reputation_key)) as relay:
        simulated = await relay.call_bundle(bundle, state_block="latest")
        if simulated.first_revert is None:
            hashes = await relay.send_for_blocks(bundle, blocks=3)   # head+1 .. head+3
        ...
        await relay.cancel_bundle(bundle.replacement_uuid)            # stale: take it back

Every request body is signed by the reputation key (`RelayAuth`, never the executor's key; the
key is never logged, only its address). One bundle is valid for one block, so targeting several
blocks is one `eth_sendBundle` per block number, all with the same `replacementUuid`: a later
send with that uuid replaces the earlier one for that block, and one `eth_cancelBundle`
withdraws them all.

Errors (`omniarb.errors`): an unreachable relay, a timeout, a 429 or 5xx are the transport
errors (`RetryableError`); a refused signature (HTTP 403) and a JSON-RPC error object (bad
parameters, a bundle that cannot run) are `RpcError`, which repeating will not cure; an answer
that is not the expected shape is `MalformedAnswerError`.
"""

from __future__ import annotations

import itertools
import json
import logging
from dataclasses import dataclass, replace
from typing import Any

import aiohttp

from omniarb.async_resource import AsyncResource
from omniarb.chains.rpc import http_post, raise_for_http_status, rpc_result
from omniarb.errors import MalformedAnswerError, RpcError
from omniarb.execute.bundle_requests import Bundle, cancel_params, relay_request
from omniarb.execute.relay_auth import RelayAuth

__all__ = ["CallBundleResult", "RelayClient", "TxSimulation"]

log = logging.getLogger(__name__)

_FORBIDDEN = 403
_SNIPPET_CHARS = 160


@dataclass(frozen=True, slots=True, kw_only=True)
class TxSimulation:
    """One transaction of a simulated bundle; `error` (and `revert_data`) when it reverted."""

    tx_hash: str
    gas_used: int
    gas_fees_wei: int
    coinbase_diff_wei: int
    eth_sent_to_coinbase_wei: int
    from_address: str
    to_address: str | None
    return_data: str | None
    error: str | None
    revert_data: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class CallBundleResult:
    """`eth_callBundle`'s answer: what the bundle pays the coinbase and each tx's outcome."""

    bundle_hash: str
    bundle_gas_price_wei: int
    coinbase_diff_wei: int
    eth_sent_to_coinbase_wei: int
    gas_fees_wei: int
    state_block_number: int
    total_gas_used: int
    results: tuple[TxSimulation, ...]

    @property
    def first_revert(self) -> TxSimulation | None:
        return next((r for r in self.results if r.error is not None), None)


def _int(value: Any, field: str, url: str) -> int:
    try:
        if isinstance(value, str):
            return int(value, 16) if value.startswith("0x") else int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    except ValueError:
        pass
    raise MalformedAnswerError(f"eth_callBundle: {field} is {value!r}", url=url)


def _tx_simulation(item: Any, url: str) -> TxSimulation:
    if not isinstance(item, dict) or not isinstance(item.get("txHash"), str):
        raise MalformedAnswerError(f"eth_callBundle: a result entry {item!r:.80}", url=url)
    error = item.get("error")
    return TxSimulation(
        tx_hash=item["txHash"],
        gas_used=_int(item.get("gasUsed"), "gasUsed", url),
        gas_fees_wei=_int(item.get("gasFees", 0), "gasFees", url),
        coinbase_diff_wei=_int(item.get("coinbaseDiff", 0), "coinbaseDiff", url),
        eth_sent_to_coinbase_wei=_int(item.get("ethSentToCoinbase", 0), "ethSentToCoinbase", url),
        from_address=str(item.get("fromAddress", "")),
        to_address=item.get("toAddress"),
        return_data=item.get("value"),
        error=None if error is None else str(error),
        revert_data=item.get("revert"),
    )


def _call_bundle_result(answer: Any, url: str) -> CallBundleResult:
    if not isinstance(answer, dict) or not isinstance(answer.get("results"), list):
        raise MalformedAnswerError(f"eth_callBundle: answer {answer!r:.120}", url=url)
    results = tuple(_tx_simulation(item, url) for item in answer["results"])
    return CallBundleResult(
        bundle_hash=str(answer.get("bundleHash", "")),
        bundle_gas_price_wei=_int(answer.get("bundleGasPrice", 0), "bundleGasPrice", url),
        coinbase_diff_wei=_int(answer.get("coinbaseDiff", 0), "coinbaseDiff", url),
        eth_sent_to_coinbase_wei=_int(answer.get("ethSentToCoinbase", 0), "ethSentToCoinbase", url),
        gas_fees_wei=_int(answer.get("gasFees", 0), "gasFees", url),
        state_block_number=_int(answer.get("stateBlockNumber", 0), "stateBlockNumber", url),
        total_gas_used=sum(r.gas_used for r in results),
        results=results,
    )


class RelayClient(AsyncResource):
    """Signed JSON-RPC to one relay (see the module docstring); `async with` opens its session."""

    def __init__(self, url: str, auth: RelayAuth, *, timeout_s: float = 10.0) -> None:
        self.url = url
        self._auth = auth
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None
        self._ids = itertools.count(1)

    async def _open(self) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)

    async def _close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _request(self, method: str, params: list[Any]) -> Any:
        if self._session is None:
            raise RuntimeError("RelayClient used outside `async with`")
        body, headers = relay_request(method, params, self._auth, request_id=next(self._ids))
        status, answer_headers, raw = await http_post(self._session, self.url, body, headers)
        text = raw.decode(errors="replace")[:_SNIPPET_CHARS]
        if status == _FORBIDDEN:
            # The relay refused who we are (a missing or wrong signature): not transient.
            raise RpcError(method=method, code=status, message=f"relay refused: {text}")
        raise_for_http_status(status, answer_headers, url=self.url, detail=text)
        try:
            answer = json.loads(raw)
        except ValueError as exc:
            raise MalformedAnswerError(f"answer is not JSON: {text}", url=self.url) from exc
        return rpc_result(method, answer, url=self.url)

    async def send_bundle(self, bundle: Bundle) -> str:
        """Submit `bundle` for its block; the relay's bundle hash."""
        result = await self._request("eth_sendBundle", [bundle.send_params()])
        if not isinstance(result, dict) or not isinstance(result.get("bundleHash"), str):
            raise MalformedAnswerError(f"eth_sendBundle: answer {result!r:.120}", url=self.url)
        log.debug("bundle %s sent for block %d", result["bundleHash"], bundle.block_number)
        return str(result["bundleHash"])

    async def send_for_blocks(self, bundle: Bundle, *, blocks: int) -> tuple[str, ...]:
        """Submit `bundle` for `bundle.block_number` and the `blocks - 1` blocks after it, one
        request per block; the bundle hashes in block order. Give the bundle a
        `replacement_uuid` to be able to cancel them all at once."""
        if blocks < 1:
            raise ValueError(f"blocks must be at least 1, got {blocks}")
        return tuple(
            [
                await self.send_bundle(replace(bundle, block_number=bundle.block_number + offset))
                for offset in range(blocks)
            ]
        )

    async def call_bundle(
        self, bundle: Bundle, state_block: int | str = "latest"
    ) -> CallBundleResult:
        """Simulate `bundle` on `state_block`'s state as if mined in `bundle.block_number`."""
        result = await self._request("eth_callBundle", [bundle.call_params(state_block)])
        return _call_bundle_result(result, self.url)

    async def cancel_bundle(self, replacement_uuid: str) -> tuple[str, ...]:
        """Withdraw every bundle sent with `replacement_uuid`; the hashes the relay reports."""
        result = await self._request("eth_cancelBundle", [cancel_params(replacement_uuid)])
        if result is None:
            return ()
        if not isinstance(result, list):
            raise MalformedAnswerError(f"eth_cancelBundle: answer {result!r:.120}", url=self.url)
        return tuple(str(h) for h in result)

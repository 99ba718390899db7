"""The devnet relayer's `/api/suggested-fees` answers in the real API's shape, from its fee and
delay, and refuses bad queries with the real error body; the adapter maps a dead API to a
retryable error and a refusal to `BridgeAnswerError`."""

from __future__ import annotations

import dataclasses
import socket
from typing import Any

import aiohttp
import pytest
from _across_flow import USDC, across_over, balance_of

from omniarb.devnet.accounts import ACROSS_RELAYER_INDEX, dev_account
from omniarb.devnet.bridges import AcrossParams
from omniarb.errors import BridgeAnswerError, NotFoundError, RejectedError, RetryableError

PARAMS = AcrossParams(delay_s=7.0, fee_bps=10)


async def _get(url: str, **query: Any) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(url + "/suggested-fees", params={k: str(v) for k, v in query.items()}) as r,
    ):
        return r.status, await r.json()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_suggested_fees_has_the_real_shape(devnet_factory) -> None:
    async with (
        devnet_factory({"arbitrum": None, "bnb": None}, bridges=True, across=PARAMS) as net,
        across_over(net.manifest) as (across, rpcs),
    ):
        arbitrum, bnb = net.manifest.chain("arbitrum"), net.manifest.chain("bnb")
        usdc_in = next(t for t in arbitrum.tokens if t.symbol == USDC)
        usdc_out = next(t for t in bnb.tokens if t.symbol == USDC)
        amount = 1_234 * 10**6
        status, body = await _get(
            arbitrum.bridges[0].api_url or "",
            inputToken=usdc_in.address,
            outputToken=usdc_out.address,
            originChainId=arbitrum.chain_id,
            destinationChainId=bnb.chain_id,
            amount=amount,
        )
        assert status == 200
        capital, gas = -(-amount * 10 // 10_000), 500_000
        assert body["relayerCapitalFee"] == {
            "pct": str(capital * 10**18 // amount),
            "total": str(capital),
        }
        assert body["relayerGasFee"]["total"] == str(gas)
        assert body["totalRelayFee"]["total"] == str(capital + gas)
        assert body["lpFee"] == {"pct": "0", "total": "0"}
        assert body["outputAmount"] == str((amount - capital - gas) * 10**12)
        assert body["estimatedFillTimeSec"] == 7
        assert body["spokePoolAddress"] == arbitrum.bridges[0].address
        assert body["destinationSpokePoolAddress"] == bnb.bridges[0].address
        assert body["exclusiveRelayer"] == "0x" + "00" * 20
        assert body["exclusivityDeadline"] == 0
        assert int(body["fillDeadline"]) > int(body["timestamp"]) > 0
        assert body["isAmountTooLow"] is False
        held = await balance_of(
            rpcs["bnb"], usdc_out.address, dev_account(ACROSS_RELAYER_INDEX).address
        )
        assert body["limits"]["maxDepositInstant"] == str(held // 10**12)
        assert body["limits"]["minDeposit"] == str(2 * gas + 1)
        assert body["inputToken"]["decimals"] == 6
        assert body["outputToken"]["decimals"] == 18
        # The adapter's quote is that answer.
        quote = await across.quote("arbitrum", "bnb", USDC, USDC, amount)
        assert quote.amount_out == int(body["outputAmount"])
        assert quote.fee_in == capital + gas
        assert quote.expected_delay_s == 7.0
        assert quote.fill_deadline - quote.quote_timestamp == int(body["fillDeadline"]) - int(
            body["timestamp"]
        )

        status, body = await _get(arbitrum.bridges[0].api_url or "", inputToken="0x12", amount=1)
        assert status == 400
        assert body["type"] == "AcrossApiError"
        assert body["code"] == "INVALID_PARAM"
        with pytest.raises(RejectedError, match="below Across's minimum"):
            await across.quote("arbitrum", "bnb", USDC, USDC, 2 * gas)
        with pytest.raises(RejectedError, match="an asset to itself"):
            await across.quote("arbitrum", "bnb", USDC, "WBNB", amount)
        with pytest.raises(NotFoundError, match="no token"):
            await across.quote("arbitrum", "bnb", "NOPE", USDC, amount)
        assert not across.supports("arbitrum", "ethereum", USDC, USDC)

    async with across_over(net.manifest, api_url=f"http://127.0.0.1:{_free_port()}/api") as (
        dead,
        _,
    ):
        with pytest.raises(RetryableError):
            await dead.quote("arbitrum", "bnb", USDC, USDC, amount)


async def test_an_api_refusal_is_a_bridge_answer_error(devnet_factory) -> None:
    async with devnet_factory({"arbitrum": None, "bnb": None}, bridges=True, across=PARAMS) as net:
        # A description whose USDC on Arbitrum is not the one the API knows: the API answers
        # 400 (ROUTE_NOT_ENABLED), which the adapter must raise as a refusal, not retry.
        arbitrum = net.manifest.chain("arbitrum")
        tokens = tuple(
            dataclasses.replace(t, address="0x" + "11" * 20) if t.symbol == USDC else t
            for t in arbitrum.tokens
        )
        chains = tuple(
            dataclasses.replace(c, tokens=tokens) if c.name == "arbitrum" else c
            for c in net.manifest.chains
        )
        wrong = dataclasses.replace(net.manifest, chains=chains)
        async with across_over(wrong) as (across, _):
            with pytest.raises(BridgeAnswerError, match="HTTP 400"):
                await across.quote("arbitrum", "bnb", USDC, USDC, 10**9)

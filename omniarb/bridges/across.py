"""`AcrossBridge`: the `Bridge` adapter for Across V3 (SpokePools of
`@across-protocol/contracts` 5.x), between every chain of a network description with an
`across` bridge entry.

    async with AcrossBridge(manifest, rpcs) as across:
        quote = await across.quote("arbitrum", "optimism", "USDC", "USDC", 1_000 * 10**6)
        calls = across.deposit_calls(quote, sender=me, recipient=me)   # approve, deposit
        ...                                                            # signed and sent elsewhere
        deposit = await across.find_deposit("arbitrum", tx_hash)
        arrived = await across.arrival(deposit)                          # None until filled

Tokens are named by symbol or address on their chain; a quote carries their addresses. The
quote comes from Across's API (`GET /suggested-fees` at the entry's `api_url`, or `api_url`
given here), whose `outputAmount`, `timestamp` and `fillDeadline` the deposit then uses
unchanged. A chain of a described (not devnet) network without an `across` entry uses Across's
production SpokePool and API (`omniarb.bridges.across_mainnet`).

`arrival` looks for the destination SpokePool's `FilledRelay` for the deposit's (origin chain,
deposit id) over a bounded range: from the first destination block not older than the deposit
(found by bisection once per deposit) to the head, in chunks, and remembers where it stopped so
each poll reads only new blocks.
"""

from __future__ import annotations

from collections.abc import Mapping

import aiohttp

from omniarb.async_resource import AsyncResource
from omniarb.bridges.across_abi import (
    FILLED_RELAY_TOPIC,
    deposit_calldata,
    parse_filled_relay,
    parse_funds_deposited,
)
from omniarb.bridges.across_mainnet import production_entry
from omniarb.bridges.across_quote import fetch_suggested_fees
from omniarb.bridges.base import Arrival, BridgeCall, BridgeQuote, Deposit
from omniarb.chains.abi import encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.errors import BridgeAnswerError, NotFoundError, RejectedError
from omniarb.network import BridgeEntry, ChainManifest, Manifest, TokenEntry

__all__ = ["APPROVE_GAS", "DEPOSIT_GAS", "AcrossBridge"]

# Gas limits of the two source transactions: an ERC-20 approve, and SpokePool.deposit of an
# ERC-20 (measured on the devnet at about 30 % below these).
APPROVE_GAS = 60_000
DEPOSIT_GAS = 150_000
# A quote's timestamp may be this old when the deposit is mined (the SpokePools'
# `depositQuoteTimeBuffer`; Across deploys 3600 s).
QUOTE_TIME_BUFFER_S = 3600
_LOG_CHUNK_BLOCKS = 5_000
# Chains' clocks differ a little: the fill search starts this much before the deposit's time.
_CLOCK_SKEW_S = 300
_QUOTE_TIMEOUT_S = 10.0


def _word(value: int) -> str:
    return "0x" + value.to_bytes(32, "big").hex()


class AcrossBridge(AsyncResource):
    """Across between the chains of `manifest` that have an `across` entry; `rpcs` reach
    those chains by name."""

    def __init__(
        self,
        manifest: Manifest,
        rpcs: Mapping[str, RpcClient],
        *,
        api_url: str | None = None,
        timeout_s: float = _QUOTE_TIMEOUT_S,
    ) -> None:
        self._entries: dict[str, BridgeEntry] = {}
        for chain in manifest.chains:
            entry = next((b for b in chain.bridges if b.kind == "across"), None)
            if entry is None and not chain.devnet:
                entry = production_entry(chain.chain_id)
            if entry is not None:
                self._entries[chain.name] = entry
        self._chains = {c.name: c for c in manifest.chains if c.name in self._entries}
        self._rpcs = rpcs
        self._api_url = api_url
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None
        # (origin chain, deposit id) -> the next destination block `arrival` reads.
        self._arrival_from: dict[tuple[str, str], int] = {}

    @property
    def name(self) -> str:
        return "across"

    async def _close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _chain(self, name: str) -> ChainManifest:
        chain = self._chains.get(name)
        if chain is None:
            raise NotFoundError(f"no Across SpokePool on chain {name!r}")
        return chain

    def _chain_by_id(self, chain_id: int) -> ChainManifest | None:
        return next((c for c in self._chains.values() if c.chain_id == chain_id), None)

    def _entry(self, chain: ChainManifest) -> BridgeEntry:
        return self._entries[chain.name]

    @staticmethod
    def _token(chain: ChainManifest, token: str) -> TokenEntry | None:
        for entry in chain.tokens:
            if token in (entry.symbol, entry.address) or token.lower() == entry.address.lower():
                return entry
        return None

    def _route(
        self, src_chain: str, dst_chain: str, token_in: str, token_out: str
    ) -> tuple[ChainManifest, ChainManifest, TokenEntry, TokenEntry]:
        src, dst = self._chain(src_chain), self._chain(dst_chain)
        if src.chain_id == dst.chain_id:
            raise RejectedError(f"Across moves between two chains, not within {src_chain}")
        entry_in, entry_out = self._token(src, token_in), self._token(dst, token_out)
        if entry_in is None or entry_out is None:
            raise NotFoundError(f"no token {token_in} on {src_chain} or {token_out} on {dst_chain}")
        if entry_in.asset != entry_out.asset:
            raise RejectedError(
                f"Across moves an asset to itself, not {entry_in.asset} to {entry_out.asset}"
            )
        return src, dst, entry_in, entry_out

    def supports(self, src_chain: str, dst_chain: str, token_in: str, token_out: str) -> bool:
        try:
            self._route(src_chain, dst_chain, token_in, token_out)
        except (NotFoundError, RejectedError):
            return False
        return True

    async def quote(
        self, src_chain: str, dst_chain: str, token_in: str, token_out: str, amount_in: int
    ) -> BridgeQuote:
        if amount_in <= 0:
            raise RejectedError(f"amount_in must be positive, got {amount_in}")
        src, dst, entry_in, entry_out = self._route(src_chain, dst_chain, token_in, token_out)
        entry = self._entry(src)
        api_url = self._api_url or entry.api_url
        if not api_url:
            raise NotFoundError(
                f"no Across API URL for {src_chain} (none given, none in the entry)"
            )
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        fees = await fetch_suggested_fees(
            self._session,
            api_url,
            input_token=entry_in.address,
            output_token=entry_out.address,
            origin_chain_id=src.chain_id,
            destination_chain_id=dst.chain_id,
            amount=amount_in,
        )
        if fees.spoke_pool and fees.spoke_pool.lower() != entry.address.lower():
            raise BridgeAnswerError(
                f"the API's SpokePool on {src_chain} is {fees.spoke_pool}, the network "
                f"description's {entry.address}"
            )
        if fees.is_amount_too_low or fees.output_amount == 0:
            raise RejectedError(
                f"{amount_in} {entry_in.symbol} is below Across's minimum ({fees.min_deposit})"
            )
        if fees.max_deposit and amount_in > fees.max_deposit:
            raise RejectedError(
                f"{amount_in} {entry_in.symbol} is above Across's limit ({fees.max_deposit})"
            )
        return BridgeQuote(
            bridge=self.name,
            src_chain=src.name,
            dst_chain=dst.name,
            token_in=entry_in.address,
            token_out=entry_out.address,
            amount_in=amount_in,
            amount_out=fees.output_amount,
            fee_in=fees.total_relay_fee + fees.lp_fee,
            gas_units=APPROVE_GAS + DEPOSIT_GAS,
            expected_delay_s=fees.estimated_fill_time_s,
            quote_timestamp=fees.quote_timestamp,
            expires_at=fees.quote_timestamp + QUOTE_TIME_BUFFER_S,
            fill_deadline=fees.fill_deadline,
        )

    def deposit_calls(
        self, quote: BridgeQuote, *, sender: str, recipient: str
    ) -> tuple[BridgeCall, ...]:
        """An exact `approve(spokePool, amount_in)`, then `deposit` at the quote's output,
        quote timestamp and fill deadline (no exclusive relayer, no message)."""
        if quote.bridge != self.name or quote.fill_deadline <= 0:
            raise RejectedError(f"not an Across quote with a fill deadline: {quote}")
        src, dst = self._chain(quote.src_chain), self._chain(quote.dst_chain)
        spoke_pool = self._entry(src).address
        approve = encode_call("approve(address,uint256)", spoke_pool, quote.amount_in)
        deposit = deposit_calldata(
            depositor=sender,
            recipient=recipient,
            input_token=quote.token_in,
            output_token=quote.token_out,
            input_amount=quote.amount_in,
            output_amount=quote.amount_out,
            destination_chain_id=dst.chain_id,
            quote_timestamp=quote.quote_timestamp,
            fill_deadline=quote.fill_deadline,
        )
        return (
            BridgeCall(to=quote.token_in, data=bytes.fromhex(approve[2:]), gas=APPROVE_GAS),
            BridgeCall(to=spoke_pool, data=deposit, gas=DEPOSIT_GAS),
        )

    async def find_deposit(self, src_chain: str, tx_hash: str) -> Deposit | None:
        src = self._chain(src_chain)
        receipt = await self._rpcs[src_chain].call("eth_getTransactionReceipt", tx_hash)
        if receipt is None or int(receipt["status"], 16) != 1:
            return None
        spoke_pool = self._entry(src).address.lower()
        for log in receipt["logs"]:
            if log["address"].lower() != spoke_pool:
                continue
            relay = parse_funds_deposited(log, origin_chain_id=src.chain_id)
            if relay is None:
                continue
            dst = self._chain_by_id(relay.destination_chain_id)
            if dst is None:
                raise NotFoundError(
                    f"deposit {relay.deposit_id} goes to chain "
                    f"{relay.destination_chain_id}, not in the description"
                )
            return Deposit(
                bridge=self.name,
                src_chain=src.name,
                dst_chain=dst.name,
                tx_hash=tx_hash,
                block_number=relay.block_number,
                deposit_id=str(relay.deposit_id),
                recipient=relay.recipient,
                token_out=relay.output_token,
                amount_out=relay.output_amount,
            )
        return None

    async def arrival(self, deposit: Deposit) -> Arrival | None:
        src, dst = self._chain(deposit.src_chain), self._chain(deposit.dst_chain)
        rpc = self._rpcs[dst.name]
        key = (src.name, deposit.deposit_id)
        from_block = self._arrival_from.get(key)
        if from_block is None:
            header = await self._rpcs[src.name].call(
                "eth_getBlockByNumber", hex(deposit.block_number), False
            )
            deposit_time = int(header["timestamp"], 16)
            from_block = await self._first_block_at(rpc, deposit_time - _CLOCK_SKEW_S)
        head = int(await rpc.call("eth_blockNumber"), 16)
        spoke_pool = self._entry(dst).address
        topics = [FILLED_RELAY_TOPIC, _word(src.chain_id), _word(int(deposit.deposit_id))]
        while from_block <= head:
            to_block = min(from_block + _LOG_CHUNK_BLOCKS - 1, head)
            logs = await rpc.call(
                "eth_getLogs",
                {
                    "address": spoke_pool,
                    "topics": topics,
                    "fromBlock": hex(from_block),
                    "toBlock": hex(to_block),
                },
            )
            for log in logs:
                fill = parse_filled_relay(log)
                if fill is not None:
                    self._arrival_from.pop(key, None)
                    return Arrival(
                        tx_hash=fill.tx_hash,
                        block_number=fill.block_number,
                        amount_received=fill.output_amount,
                    )
            from_block = to_block + 1
        self._arrival_from[key] = from_block
        return None

    @staticmethod
    async def _first_block_at(rpc: RpcClient, timestamp: int) -> int:
        """The first block whose timestamp is at least `timestamp` (the head + 1 if none):
        no fill of a deposit can be older than the deposit."""
        low, high = 0, int(await rpc.call("eth_blockNumber"), 16) + 1
        while low < high:
            mid = (low + high) // 2
            block = await rpc.call("eth_getBlockByNumber", hex(mid), False)
            if int(block["timestamp"], 16) < timestamp:
                low = mid + 1
            else:
                high = mid
        return low

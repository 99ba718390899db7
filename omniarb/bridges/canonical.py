"""The canonical-bridge adapter: `Bridge` for the chains whose manifest lists a `canonical`
bridge (the devnet's `DevCanonicalBridge`: lock on the source, released on the destination by
the bridge's messenger after its delay).

    bridge = CanonicalBridge(manifest, rpcs={"optimism": rpc_op, "arbitrum": rpc_arb})
    quote = await bridge.quote("optimism", "arbitrum", "USDC", "USDC", 1_000 * 10**6)
    calls = bridge.deposit_calls(quote, sender=inventory, recipient=inventory)

Cheaper and slower than a relayer bridge: no fee beyond gas, and the delay the manifest's entry
announces (`expected_delay_s`). It moves one asset to the same asset with the same decimals (a
canonical bridge maps a token to its representation one to one), so `amount_out == amount_in`.
Tokens are given by symbol or address; quotes and deposits carry addresses.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from eth_utils.address import to_checksum_address

from omniarb.bridges.base import Arrival, BridgeCall, BridgeQuote, Deposit
from omniarb.bridges.canonical_events import (
    DEPOSIT_FINALIZED_TOPIC,
    DEPOSIT_INITIATED_TOPIC,
    PROCESSED_SIGNATURE,
    deposit_calldata,
    parse_deposit_finalized,
    parse_deposit_initiated,
    uint_topic,
)
from omniarb.chain_events import parse_log
from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.errors import NotFoundError, RejectedError
from omniarb.network import BridgeEntry, ChainManifest, Manifest, TokenEntry

__all__ = ["APPROVE_GAS", "CANONICAL_KIND", "DEPOSIT_GAS", "CanonicalBridge", "canonical_entry"]

log = logging.getLogger(__name__)

CANONICAL_KIND = "canonical"
# Gas limits of the two source transactions, above what they use (`benchmarks/
# bridge_canonical.py`): an ERC-20 `approve` from zero ~46k; the deposit ~66k when the
# bridge's nonce slot is still zero, ~49k after.
APPROVE_GAS = 60_000
DEPOSIT_GAS = 100_000
# What the quote counts for them: the approval plus a deposit into a bridge already in use.
_QUOTED_GAS_UNITS = 46_114 + 48_506
# Chains' clocks may disagree by this much: the arrival search starts this far before the deposit.
_CLOCK_SKEW_S = 60


@dataclass(frozen=True, slots=True, kw_only=True)
class _Route:
    src: ChainManifest
    dst: ChainManifest
    src_bridge: BridgeEntry
    dst_bridge: BridgeEntry
    token_in: TokenEntry
    token_out: TokenEntry


def canonical_entry(chain: ChainManifest) -> BridgeEntry | None:
    """The chain's canonical bridge, if its manifest lists one."""
    return next((b for b in chain.bridges if b.kind == CANONICAL_KIND), None)


def _token(chain: ChainManifest, token: str) -> TokenEntry | None:
    try:
        if token.startswith("0x") and len(token) == 42:
            return chain.token_by_address(token)
        return chain.token(token)
    except NotFoundError:
        return None


class CanonicalBridge:
    """`Bridge` over the manifest's canonical bridges; reads chains through `rpcs` (by chain
    name). `log_range_blocks` caps one `eth_getLogs` request when looking for an arrival."""

    def __init__(
        self, manifest: Manifest, rpcs: Mapping[str, RpcClient], *, log_range_blocks: int = 2_000
    ) -> None:
        self._manifest = manifest
        self._rpcs = rpcs
        self._log_range_blocks = log_range_blocks
        # Per deposit (source chain id, nonce): the first destination block not yet searched
        # for its finalization, so polling `arrival` never scans a block twice.
        self._arrival_cursors: dict[tuple[int, int], int] = {}

    @property
    def name(self) -> str:
        return CANONICAL_KIND

    def _route(
        self, src_chain: str, dst_chain: str, token_in: str, token_out: str
    ) -> _Route | None:
        try:
            src, dst = self._manifest.chain(src_chain), self._manifest.chain(dst_chain)
        except NotFoundError:
            return None
        src_bridge, dst_bridge = canonical_entry(src), canonical_entry(dst)
        t_in, t_out = _token(src, token_in), _token(dst, token_out)
        if src_bridge is None or dst_bridge is None or t_in is None or t_out is None:
            return None
        if src.chain_id == dst.chain_id or t_in.asset != t_out.asset:
            return None
        if t_in.decimals != t_out.decimals:
            return None
        return _Route(
            src=src,
            dst=dst,
            src_bridge=src_bridge,
            dst_bridge=dst_bridge,
            token_in=t_in,
            token_out=t_out,
        )

    def supports(self, src_chain: str, dst_chain: str, token_in: str, token_out: str) -> bool:
        """Both chains have a canonical bridge, and the tokens are one asset with the same
        decimals on both."""
        return self._route(src_chain, dst_chain, token_in, token_out) is not None

    def _rpc(self, chain: str) -> RpcClient:
        try:
            return self._rpcs[chain]
        except KeyError:
            raise NotFoundError(f"the canonical bridge has no RPC client for {chain}") from None

    async def quote(
        self, src_chain: str, dst_chain: str, token_in: str, token_out: str, amount_in: int
    ) -> BridgeQuote:
        """Fee 0, the entry's delay; `RejectedError` for a route it does not serve or when the
        destination bridge cannot release `amount_in` (the devnet's releases from liquidity)."""
        route = self._route(src_chain, dst_chain, token_in, token_out)
        if route is None:
            raise RejectedError(
                f"the canonical bridge does not move {token_in} on {src_chain} "
                f"to {token_out} on {dst_chain}"
            )
        if amount_in <= 0:
            raise RejectedError(f"a bridge transfer needs an amount > 0, not {amount_in}")
        answer = await self._rpc(route.dst.name).call(
            "eth_call",
            {
                "to": route.token_out.address,
                "data": encode_call("balanceOf(address)", route.dst_bridge.address),
            },
            "latest",
        )
        (liquidity,) = decode(["uint256"], answer)
        if liquidity < amount_in:
            raise RejectedError(
                f"the canonical bridge on {route.dst.name} holds {liquidity} of "
                f"{route.token_out.symbol}, less than {amount_in}"
            )
        delay_s = route.src_bridge.expected_delay_s
        return BridgeQuote(
            bridge=CANONICAL_KIND,
            src_chain=route.src.name,
            dst_chain=route.dst.name,
            token_in=route.token_in.address,
            token_out=route.token_out.address,
            amount_in=amount_in,
            amount_out=amount_in,
            fee_in=0,
            gas_units=_QUOTED_GAS_UNITS,
            expected_delay_s=0.0 if delay_s is None else delay_s,
        )

    def deposit_calls(
        self, quote: BridgeQuote, *, sender: str, recipient: str
    ) -> tuple[BridgeCall, ...]:
        """An exact `approve` of the bridge, then `depositERC20To` (sender: the approver)."""
        route = self._route(quote.src_chain, quote.dst_chain, quote.token_in, quote.token_out)
        if route is None:
            raise RejectedError(f"a quote the canonical bridge does not serve: {quote}")
        approve = encode_call("approve(address,uint256)", route.src_bridge.address, quote.amount_in)
        deposit = deposit_calldata(
            local_token=route.token_in.address,
            remote_token=route.token_out.address,
            recipient=str(to_checksum_address(recipient)),
            amount=quote.amount_in,
            dst_chain_id=route.dst.chain_id,
        )
        return (
            BridgeCall(to=route.token_in.address, data=bytes.fromhex(approve[2:]), gas=APPROVE_GAS),
            BridgeCall(to=route.src_bridge.address, data=deposit, gas=DEPOSIT_GAS),
        )

    async def find_deposit(self, src_chain: str, tx_hash: str) -> Deposit | None:
        """The `ERC20DepositInitiated` of `tx_hash`'s receipt on the chain's bridge."""
        src = self._manifest.chain(src_chain)
        entry = canonical_entry(src)
        if entry is None:
            raise NotFoundError(f"{src.name} has no canonical bridge")
        receipt = await self._rpc(src.name).call("eth_getTransactionReceipt", tx_hash)
        if receipt is None or int(receipt["status"], 16) != 1:
            return None
        for raw in receipt["logs"]:
            event = parse_log(src.chain_id, raw)
            if event.address != entry.address.lower() or event.topics[:1] != (
                DEPOSIT_INITIATED_TOPIC,
            ):
                continue
            deposit = parse_deposit_initiated(event)
            try:
                dst_name = self._manifest.chain(deposit.dst_chain_id).name
            except NotFoundError:
                dst_name = str(deposit.dst_chain_id)
            return Deposit(
                bridge=CANONICAL_KIND,
                src_chain=src.name,
                dst_chain=dst_name,
                tx_hash=tx_hash,
                block_number=deposit.block_number,
                deposit_id=str(deposit.nonce),
                recipient=deposit.recipient,
                token_out=deposit.remote_token,
                amount_out=deposit.amount,
            )
        return None

    async def arrival(self, deposit: Deposit) -> Arrival | None:
        """The `DepositFinalized` of (source chain id, nonce) on the destination's bridge:
        `processed` says whether there is one; the log search starts at the first destination
        block not older than the deposit and never covers a block twice."""
        src, dst = self._manifest.chain(deposit.src_chain), self._manifest.chain(deposit.dst_chain)
        entry = canonical_entry(dst)
        if entry is None:
            raise NotFoundError(f"{dst.name} has no canonical bridge")
        rpc = self._rpc(dst.name)
        nonce = int(deposit.deposit_id)
        head = int(await rpc.call("eth_blockNumber"), 16)
        answer = await rpc.call(
            "eth_call",
            {"to": entry.address, "data": encode_call(PROCESSED_SIGNATURE, src.chain_id, nonce)},
            hex(head),
        )
        (processed,) = decode(["bool"], answer)
        if not processed:
            return None
        key = (src.chain_id, nonce)
        first = self._arrival_cursors.get(key)
        if first is None:
            first = await self._first_block_since(deposit)
        topics = [DEPOSIT_FINALIZED_TOPIC, uint_topic(src.chain_id), uint_topic(nonce)]
        for start in range(first, head + 1, self._log_range_blocks):
            end = min(start + self._log_range_blocks - 1, head)
            found = await rpc.call(
                "eth_getLogs",
                {
                    "address": entry.address,
                    "topics": topics,
                    "fromBlock": hex(start),
                    "toBlock": hex(end),
                },
            )
            if found:
                event = parse_deposit_finalized(parse_log(dst.chain_id, found[0]))
                self._arrival_cursors.pop(key, None)
                return Arrival(
                    tx_hash=event.tx_hash,
                    block_number=event.block_number,
                    amount_received=event.amount,
                )
            self._arrival_cursors[key] = end + 1
        log.warning(
            "canonical deposit %s from %s is processed on %s but no DepositFinalized was found "
            "from block %d to %d",
            nonce,
            src.name,
            dst.name,
            first,
            head,
        )
        return None

    async def _first_block_since(self, deposit: Deposit) -> int:
        """The first destination block whose timestamp is not before the deposit's block: the
        messenger finalizes only after the deposit, so nothing earlier needs searching."""
        src_block = await self._rpc(deposit.src_chain).call(
            "eth_getBlockByNumber", hex(deposit.block_number), False
        )
        since_s = int(src_block["timestamp"], 16) - _CLOCK_SKEW_S
        rpc = self._rpc(deposit.dst_chain)
        low, high = 0, int(await rpc.call("eth_blockNumber"), 16)
        while low < high:
            middle = (low + high) // 2
            block = await rpc.call("eth_getBlockByNumber", hex(middle), False)
            if int(block["timestamp"], 16) < since_s:
                low = middle + 1
            else:
                high = middle
        return low

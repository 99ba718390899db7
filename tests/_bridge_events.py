"""A bridge transfer's events on the chains, counted independently of the rebalancer: how many
deposits its bridge emitted for it on the source, how many payouts on the destination (one of
each: sent once, arrived once), and how many deposits an account made in all.

    deposited, paid = await deposits_and_arrivals(transfer, src, src_rpc, dst, dst_rpc)

`transfer` is a transfer as `/cross-chain/transfers` and `--summary` list it (`bridge`,
`deposit_id`). Across: `FundsDeposited` and `FilledRelay`; the canonical bridge:
`ERC20DepositInitiated` and `DepositFinalized`.
"""

from __future__ import annotations

from typing import Any

from omniarb.bridges.across_abi import FILLED_RELAY_TOPIC, FUNDS_DEPOSITED_TOPIC
from omniarb.bridges.canonical_events import (
    DEPOSIT_FINALIZED_TOPIC,
    DEPOSIT_INITIATED_TOPIC,
    uint_topic,
)
from omniarb.chains.rpc import RpcClient
from omniarb.network import ChainManifest


async def logs_of(rpc: RpcClient, address: str, topics: list[str | None]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = await rpc.call(
        "eth_getLogs",
        {"address": address, "topics": topics, "fromBlock": "0x0", "toBlock": "latest"},
    )
    return found


async def deposits_and_arrivals(
    transfer: dict[str, Any], src: ChainManifest, src_rpc: RpcClient, dst: ChainManifest,
    dst_rpc: RpcClient,
) -> tuple[int, int]:  # fmt: skip
    """How many deposit events the transfer's bridge emitted on the source for its deposit id,
    and how many payouts of it on the destination (Across: `FundsDeposited` and `FilledRelay`;
    the canonical bridge: `ERC20DepositInitiated` and `DepositFinalized`)."""
    deposit_id = int(transfer["deposit_id"])
    bridge = transfer["bridge"]
    if bridge == "across":
        deposited = await logs_of(
            src_rpc,
            src.bridge("across").address,
            [FUNDS_DEPOSITED_TOPIC, uint_topic(dst.chain_id), uint_topic(deposit_id)],
        )
        paid = await logs_of(
            dst_rpc,
            dst.bridge("across").address,
            [FILLED_RELAY_TOPIC, uint_topic(src.chain_id), uint_topic(deposit_id)],
        )
    else:
        assert bridge == "canonical", transfer
        # ERC20DepositInitiated(uint256 indexed nonce, uint256 indexed dstChainId, …).
        deposited = await logs_of(
            src_rpc,
            src.bridge("canonical").address,
            [DEPOSIT_INITIATED_TOPIC, uint_topic(deposit_id), uint_topic(dst.chain_id)],
        )
        paid = await logs_of(
            dst_rpc,
            dst.bridge("canonical").address,
            [DEPOSIT_FINALIZED_TOPIC, uint_topic(src.chain_id), uint_topic(deposit_id)],
        )
    return len(deposited), len(paid)


def _address_word(address: str) -> str:
    return "0x" + address.lower().removeprefix("0x").rjust(64, "0")


async def deposits_by(rpc: RpcClient, chain: ChainManifest, bridge: str, sender: str) -> int:
    """Every deposit `sender` made through `chain`'s `bridge` (Across: the depositor is the
    third indexed field; canonical: `from`)."""
    topic = FUNDS_DEPOSITED_TOPIC if bridge == "across" else DEPOSIT_INITIATED_TOPIC
    found = await logs_of(
        rpc, chain.bridge(bridge).address, [topic, None, None, _address_word(sender)]
    )
    return len(found)

"""An independent check of a run's cross-chain trades and bridge transfers from the chains'
receipts and logs (the demo test's): legs priced on blocks no other transaction moved their
pools after realized exactly their prediction, a trade's realized PnL is what its two receipts
imply, and a transfer was deposited once and paid once.

    legs = recorded_legs(home)                      # from the history database
    mined = await leg_on_chain(rpc, leg, account)   # its receipt, and who moved its pools
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _cli_helpers import query
from _touch_check import touching_transactions
from eth_utils.crypto import keccak

from omniarb.chains.rpc import RpcClient

_TRANSFER_TOPIC = "0x" + keccak(text="Transfer(address,address,uint256)").hex()


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordedLeg:
    """A sent sell or buy leg as the history holds it, with what it was planned on."""

    trade_id: str
    role: str
    chain: str
    token_in: str
    token_out: str
    amount_in: int
    predicted_out: int
    realized_out: int | None
    status: str
    tx_hash: str | None
    priced_block: int
    pools: tuple[str, ...]
    planned_fee_wei: int
    planned_fee_usd: float


def recorded_legs(home: Path) -> list[RecordedLeg]:
    """Every sell and buy leg in `home`'s history (unwinds have no plan of their own)."""
    rows = query(
        home,
        "SELECT trade_id, role, chain, token_in, token_out, amount_in, predicted_out, "
        "realized_out, status, tx_hash, priced_block, pools, planned_fee_wei, planned_fee_usd "
        "FROM cross_chain_legs WHERE role IN ('sell', 'buy')",
    )
    return [
        RecordedLeg(
            trade_id=trade_id,
            role=role,
            chain=chain,
            token_in=token_in,
            token_out=token_out,
            amount_in=int(amount_in),
            predicted_out=int(predicted),
            realized_out=None if realized is None else int(realized),
            status=status,
            tx_hash=tx_hash,
            priced_block=int(priced_block),
            pools=tuple(json.loads(pools)),
            planned_fee_wei=int(fee_wei),
            planned_fee_usd=float(fee_usd),
        )
        for (
            trade_id,
            role,
            chain,
            token_in,
            token_out,
            amount_in,
            predicted,
            realized,
            status,
            tx_hash,
            priced_block,
            pools,
            fee_wei,
            fee_usd,
        ) in rows
    ]


def _address_of(topic: str) -> str:
    return "0x" + topic[-40:].lower()


def net_transfer(receipt: dict[str, Any], *, token: str, holder: str) -> int:
    """What `holder` received of `token` in `receipt`, less what it sent (ERC-20 logs)."""
    net = 0
    for entry in receipt["logs"]:
        topics = entry["topics"]
        if entry["address"].lower() != token.lower() or len(topics) != 3:
            continue
        if topics[0].lower() != _TRANSFER_TOPIC:
            continue
        amount = int(entry["data"], 16)
        if _address_of(topics[2]) == holder.lower():
            net += amount
        if _address_of(topics[1]) == holder.lower():
            net -= amount
    return net


@dataclass(frozen=True, slots=True, kw_only=True)
class LegOnChain:
    """A leg as its receipt tells it: output received, input spent, fee paid."""

    success: bool
    realized_out: int
    spent_in: int
    fee_wei: int
    touched_by: tuple[str, ...]


async def leg_on_chain(rpc: RpcClient, leg: RecordedLeg, account: str) -> LegOnChain:
    """Read `leg`'s receipt, and which transactions moved its pools after its priced block."""
    assert leg.tx_hash is not None, leg
    receipt = await rpc.call("eth_getTransactionReceipt", leg.tx_hash)
    assert receipt is not None, f"leg {leg.trade_id}:{leg.role} has no receipt"
    touching = await touching_transactions(
        rpc, tx_hash=leg.tx_hash, pools=leg.pools, priced_block=leg.priced_block
    )
    fee_wei = int(receipt["gasUsed"], 16) * int(receipt["effectiveGasPrice"], 16)
    fee_wei += int(receipt.get("l1Fee") or "0x0", 16)
    return LegOnChain(
        success=receipt["status"] == "0x1",
        realized_out=net_transfer(receipt, token=leg.token_out, holder=account),
        spent_in=-net_transfer(receipt, token=leg.token_in, holder=account),
        fee_wei=fee_wei,
        touched_by=tuple(touching),
    )


def realized_pnl_usd(
    sell: RecordedLeg,
    buy: RecordedLeg,
    sell_chain: LegOnChain,
    buy_chain: LegOnChain,
    decimals: dict[tuple[str, str], int],
) -> float:
    """The trade's PnL from both receipts at the prices it was planned at
    (`omniarb.crosschain.prices`: the quote asset at $1, the asset at the mean of both legs'
    planned execution prices, gas at the planned fee's own native price)."""
    sell_asset_scale = 10 ** decimals[(sell.chain, sell.token_in.lower())]
    buy_asset_scale = 10 ** decimals[(buy.chain, buy.token_out.lower())]
    sell_quote_unit = 1 / 10 ** decimals[(sell.chain, sell.token_out.lower())]
    buy_quote_unit = 1 / 10 ** decimals[(buy.chain, buy.token_in.lower())]
    sell_price = (sell.predicted_out * sell_quote_unit) / (sell.amount_in / sell_asset_scale)
    buy_price = (buy.amount_in * buy_quote_unit) / (buy.predicted_out / buy_asset_scale)
    asset_usd = (sell_price + buy_price) / 2

    def value(
        out: int, out_usd: float, spent: int, in_usd: float, fee: int, leg: RecordedLeg
    ) -> float:
        native = leg.planned_fee_usd / leg.planned_fee_wei if leg.planned_fee_wei > 0 else 0.0
        return out * out_usd - spent * in_usd - fee * native

    return value(
        sell_chain.realized_out,
        sell_quote_unit,
        sell_chain.spent_in,
        asset_usd / sell_asset_scale,
        sell_chain.fee_wei,
        sell,
    ) + value(
        buy_chain.realized_out,
        asset_usd / buy_asset_scale,
        buy_chain.spent_in,
        buy_quote_unit,
        buy_chain.fee_wei,
        buy,
    )

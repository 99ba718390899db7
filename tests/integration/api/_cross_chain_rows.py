"""Cross-chain rows for the API and dashboard tests: trades with their legs, bridge transfers in
each status, exposures, and an inventory — written to the history database through its engine,
as the cross-chain executor and the rebalancer write them.

Amounts are past 2**53, so a route that passed them through a JSON number would lose them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from omniarb.api import AssetHolding, ChainInventory, InventorySnapshot
from omniarb.store import HistoryDatabase
from omniarb.store.cross_chain_models import (
    BridgeTransferRow,
    CrossChainLegRow,
    CrossChainTradeRow,
    ExposureRow,
)

WETH_ETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
USDC_ETH = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
WETH_ARB = "0x82aF49447D8a07e3bd95BD0d56f35241523fBab1"
USDC_ARB = "0xaf88d065e77c8cC2239327C5EDb3A432268e5831"
ACCOUNT = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"

BIG = 12_345_678_901_234_567_891  # past 2**53
T0 = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def trade_row(n: int, *, status: str = "done", realized: float | None = 41.5) -> CrossChainTradeRow:
    """Sell WETH on ethereum, buy it back on arbitrum, against USDC; detected at T0 + n s."""
    return CrossChainTradeRow(
        id=f"xc-{n}",
        asset="WETH",
        quote_asset="USDC",
        sell_chain="ethereum",
        buy_chain="arbitrum",
        status=status,
        expected_value_usd=40.0 + n,
        gross_usd=55.0,
        fees_usd=6.0,
        rebalance_cost_usd=3.0,
        risk_charge_usd=2.0 + n,
        predicted_pnl_usd=42.25,
        realized_pnl_usd=realized,
        inventory_change={
            "ethereum": {WETH_ETH: str(-BIG), USDC_ETH: "30000000000"},
            "arbitrum": {WETH_ARB: str(BIG), USDC_ARB: "-29950000000"},
        },
        detected_at=T0 + timedelta(seconds=n),
        settled_at=None if realized is None else T0 + timedelta(seconds=n + 2),
        recorded_at=T0 + timedelta(seconds=n),
    )


def leg_rows(n: int, *, buy_status: str = "landed") -> list[CrossChainLegRow]:
    """The buy leg first, then the sell leg: the read must put them in the trade's order."""
    legs = []
    for role, chain, token_in, token_out, status in (
        ("buy", "arbitrum", USDC_ARB, WETH_ARB, buy_status),
        ("sell", "ethereum", WETH_ETH, USDC_ETH, "landed"),
    ):
        legs.append(
            CrossChainLegRow(
                id=f"xc-{n}-{role}",
                trade_id=f"xc-{n}",
                role=role,
                chain=chain,
                token_in=token_in,
                token_out=token_out,
                amount_in=BIG + n,
                min_out=BIG - 1000,
                predicted_out=BIG + 7,
                realized_out=BIG + 7 if status == "landed" else None,
                tx_hash=f"0x{role[0] * 2}{n:062x}",
                block_number=100 + n,
                gas_used=150_000,
                fee_wei=5_000_000_000_000_001,
                status=status,
                error=None if status == "landed" else "execution reverted: min out",
                sent_at=T0 + timedelta(seconds=n),
                settled_at=T0 + timedelta(seconds=n + 1),
            )
        )
    return legs


def transfer_row(
    name: str, status: str, *, created: datetime, deadline_s: float
) -> BridgeTransferRow:
    """`name`'s transfer of WETH from ethereum to arbitrum through across, in `status`."""
    arrived = status == "arrived"
    return BridgeTransferRow(
        id=f"bt-{name}",
        bridge="across",
        src_chain="ethereum",
        dst_chain="arbitrum",
        asset="WETH",
        token_in=WETH_ETH,
        token_out=WETH_ARB,
        sender=ACCOUNT,
        recipient=ACCOUNT,
        amount_in=BIG,
        amount_out_expected=BIG - 10**15,
        amount_received=BIG - 10**15 if arrived else None,
        fee_usd=1.25,
        status=status,
        # The signed raw transactions stay in the database: the API serves only their hashes.
        src_txs=[
            {"nonce": 7, "hash": f"0x{'a' * 63}7", "raw": "0x02f8deadbeef"},
            {"nonce": 8, "hash": f"0x{'a' * 63}8", "raw": "0x02f8feedface"},
        ],
        deposit_tx_hash=f"0x{'a' * 63}8",
        deposit_id="42" if status in ("deposited", "stuck", "arrived") else None,
        deposit_block=120 if status in ("deposited", "stuck", "arrived") else None,
        arrival_tx_hash=f"0x{'b' * 64}" if arrived else None,
        arrival_block=330 if arrived else None,
        attempts=1,
        error=None,
        created_at=created,
        deadline_at=created + timedelta(seconds=deadline_s),
        updated_at=created,
        arrived_at=created + timedelta(seconds=30) if arrived else None,
    )


def exposure_row(name: str, status: str, *, opened: datetime) -> ExposureRow:
    return ExposureRow(
        id=f"ex-{name}",
        trade_id="xc-1",
        chain="ethereum",
        asset="WETH",
        token=WETH_ETH,
        side="short",
        amount=BIG,
        usd_at_open=3100.5,
        policy="unwind",
        status=status,
        unwind_leg_id=None,
        opened_at=opened,
        closed_at=None,
    )


def write_rows(database: HistoryDatabase, *rows: object) -> None:
    """Insert `rows` in one transaction (parents before children, as given)."""
    with Session(database.engine) as session, session.begin():
        for row in rows:
            session.add(row)
            session.flush()


def seed_cross_chain(database: HistoryDatabase, *, now: datetime) -> None:
    """Two trades (xc-0 done, xc-1 partial with an open exposure), transfers: one sent, one
    stuck past its deadline, one arrived, one failed; exposures: one open, one unwound."""
    write_rows(
        database,
        trade_row(0),
        *leg_rows(0),
        trade_row(1, status="partial", realized=None),
        *leg_rows(1, buy_status="reverted"),
        transfer_row("sent", "sent", created=now - timedelta(seconds=20), deadline_s=600),
        transfer_row("stuck", "stuck", created=now - timedelta(hours=2), deadline_s=900),
        transfer_row("arrived", "arrived", created=now - timedelta(hours=3), deadline_s=900),
        transfer_row("failed", "failed", created=now - timedelta(hours=4), deadline_s=900),
        exposure_row("open", "open", opened=now - timedelta(minutes=5)),
        exposure_row("closed", "unwound", opened=now - timedelta(minutes=50)),
    )


class HeldInventory:
    """An inventory as the bot keeps it: balances per chain and token, bands, in-flight
    amounts; `snapshot()` copies them (the `InventoryView` the API holds)."""

    def __init__(self) -> None:
        self.weth_on_arbitrum = 2 * 10**18

    def snapshot(self) -> InventorySnapshot:
        return InventorySnapshot(
            taken_at=datetime.now(UTC),
            chains=(
                ChainInventory(
                    chain="ethereum",
                    account=ACCOUNT,
                    assets=(
                        AssetHolding(
                            asset="WETH",
                            token=WETH_ETH,
                            decimals=18,
                            amount=BIG,
                            usd=38_271.6,
                            low=5 * 10**18,
                            target=10 * 10**18,
                            high=20 * 10**18,
                            in_flight_out=10**18,
                        ),
                        AssetHolding(
                            asset="USDC",
                            token=USDC_ETH,
                            decimals=6,
                            amount=50_000 * 10**6,
                            usd=50_000.0,
                        ),
                    ),
                ),
                ChainInventory(
                    chain="arbitrum",
                    account=ACCOUNT,
                    assets=(
                        AssetHolding(
                            asset="WETH",
                            token=WETH_ARB,
                            decimals=18,
                            amount=self.weth_on_arbitrum,
                            usd=self.weth_on_arbitrum / 10**18 * 3100.0,
                            low=5 * 10**18,
                            target=10 * 10**18,
                            high=20 * 10**18,
                            in_flight_in=10**18,
                        ),
                    ),
                ),
            ),
        )

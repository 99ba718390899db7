"""`omniarb history [--json] [--chain NAME] [--status S] [--limit N] [--db URL]`: the trades.

Lists executions newest first with their outcome: chain, block, transaction, status, route,
amount in, predicted and realized profit, gas and net profit in USD, what found it (`block`, or
`backrun` of a pending transaction), how it was sent (`public`, `bundle`, `sequencer`) and the
bribe it paid to the block's builder (beside its hops); then each trade's hops
(tokens, protocol, DEX, fee tier and pool of each; a pool's side of the native coin, which the
route carries as the wrapped native token, reads `ETH(WETH)`). With `--json`, stdout is one
JSON list of `TradeRecord.to_json()` objects with their `hops` (as the API's trades carry
them): amounts in base units as decimal strings (exact past 2**53), counts as numbers, times in
ISO 8601 UTC. A database that does not exist yet, or has no tables, is an empty history: `[]`
and exit code 0.
"""

from __future__ import annotations

import argparse
from decimal import Decimal
from typing import Any

from rich.table import Table

from omniarb.api.schemas import HopItem
from omniarb.api.views import hop_items
from omniarb.chains.spec import chain_by_id, resolve_chain
from omniarb.cli import Subparsers
from omniarb.cli._output import add_json_flag, emit_json, positive_int, stdout_console
from omniarb.config import Settings
from omniarb.errors import NotFoundError
from omniarb.store import TradeRecord, resolve_db_url
from omniarb.store.existing import existing_history
from omniarb.types import ExecutionStatus

__all__ = ["read_trades", "register"]

_DEFAULT_LIMIT = 50
# The native coin of every supported chain has 18 decimals (ETH, BNB, POL).
_NATIVE_DECIMALS = 18
# A settled trade has its outcome's status (after a reorg also `replaced` or `pending`), one
# still in flight (or never sent) its execution's.
TRADE_STATUSES = (
    "succeeded",
    "reverted",
    "dropped",
    "replaced",
    "pending",
    "cancelled",
    *(status.value for status in ExecutionStatus),
)


def register(subparsers: Subparsers) -> None:
    """Add `history`."""
    parser = subparsers.add_parser("history", help="list recorded trades, newest first")
    add_json_flag(parser)
    parser.add_argument("--chain", metavar="NAME", help="only this chain (name or chain id)")
    parser.add_argument(
        "--status",
        metavar="STATUS",
        choices=TRADE_STATUSES,
        help=f"only this status: {', '.join(TRADE_STATUSES)}",
    )
    parser.add_argument(
        "--limit",
        type=positive_int,
        default=_DEFAULT_LIMIT,
        metavar="N",
        help=f"at most N trades (default {_DEFAULT_LIMIT})",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        help="database URL (default: $OMNIARB_DB_URL, else sqlite:///$OMNIARB_HOME/history.sqlite)",
    )
    parser.set_defaults(func=_history)


def read_trades(
    url: str, *, chain: str | None = None, status: str | None = None, limit: int = _DEFAULT_LIMIT
) -> list[TradeRecord]:
    """The trades at `url`; empty, without creating anything, when there is no history yet."""
    with existing_history(url) as database:
        return [] if database is None else database.trades(chain=chain, status=status, limit=limit)


def _units(amount: int | None, decimals: int | None, symbol: str | None) -> str:
    if amount is None:
        return "-"
    if decimals is None:
        return str(amount)
    value = Decimal(amount).scaleb(-decimals)
    return f"{value:,.6f} {symbol}" if symbol else f"{value:,.6f}"


def _source_label(source: str) -> str:
    """`block`, `backrun` (of a pending transaction) or `cross-chain`: what found a trade."""
    return "backrun" if source == "mempool" else source


def _native(chain_id: int) -> str:
    try:
        return chain_by_id(chain_id).native_symbol
    except NotFoundError:
        return "native"


def _hops(trade: TradeRecord) -> str:
    """The trade's hops on one line, each with its tokens, protocol (pool kind), DEX, fee tier
    and pool, after the transaction a backrun followed and the bribe paid: printed under the
    table, whose columns have no room for whole addresses."""
    tx = trade.tx_hash or trade.opportunity_id
    native = _native(trade.chain_id)
    hops = "  ".join(
        f"{n}. {_tokens(h, native)} {h.kind} {h.dex} {h.fee_pips / 10_000:g}% {h.pool}"
        for n, h in enumerate(hop_items(trade.route, trade.route_symbols), start=1)
    )
    trigger = f" (backrun of {trade.trigger_tx})" if trade.trigger_tx else ""
    bribe = ""
    if trade.bribe_paid_wei:
        bribe = f", bribe {_units(trade.bribe_paid_wei, _NATIVE_DECIMALS, native)}"
    return f"{trade.chain} {tx[:10]}…{trigger}{bribe}: {hops}"


def _tokens(hop: HopItem, native: str) -> str:
    """`in→out`, a side where the pool holds the native coin as `ETH(WETH)`: the pool's
    currency, then the token the route carries for it."""
    token_in = f"{native}({hop.symbol_in})" if hop.currency_in else f"{hop.symbol_in}"
    token_out = f"{native}({hop.symbol_out})" if hop.currency_out else f"{hop.symbol_out}"
    return f"{token_in}→{token_out}"


def _json(trade: TradeRecord) -> dict[str, Any]:
    hops = hop_items(trade.route, trade.route_symbols)
    return {**trade.to_json(), "hops": [hop.model_dump() for hop in hops]}


def _table(trades: list[TradeRecord]) -> Table:
    table = Table(title=f"omni-arb history ({len(trades)} trades, newest first)")
    for column in ("time (UTC)", "chain", "block", "tx", "status", "found/sent", "route"):
        table.add_column(column, no_wrap=True)
    for column in ("amount in", "predicted", "realized", "gas used", "net USD"):
        table.add_column(column, justify="right")
    for trade in trades:
        units = (trade.profit_decimals, trade.profit_symbol)
        tx = trade.tx_hash or "-"
        table.add_row(
            trade.submitted_at.strftime("%Y-%m-%d %H:%M:%S"),
            trade.chain,
            str(trade.block_number),
            f"{tx[:10]}…" if len(tx) > 10 else tx,
            trade.status,
            f"{_source_label(trade.source)}/{trade.channel or '?'}",
            "→".join(trade.route_symbols),
            _units(trade.amount_in, *units),
            _units(trade.predicted_profit, *units),
            _units(trade.realized_profit, *units),
            "-" if trade.gas_used is None else f"{trade.gas_used:,}",
            "-" if trade.net_profit_usd is None else f"{trade.net_profit_usd:,.2f}",
        )
    return table


def _history(args: argparse.Namespace, settings: Settings) -> int:
    # An unknown chain is a mistake to name (exit 2), not an empty history.
    chain = None if args.chain is None else str(resolve_chain(args.chain).chain_id)
    trades = read_trades(resolve_db_url(args.db), chain=chain, status=args.status, limit=args.limit)
    if args.json:
        emit_json([_json(trade) for trade in trades])
    else:
        console = stdout_console()
        if trades:
            console.print(_table(trades))
            console.print("hops (protocol, DEX, fee tier, pool):")
            for trade in trades:
                console.print(_hops(trade), soft_wrap=True, highlight=False)
        else:
            console.print("no trades recorded yet")
    return 0

"""`omniarb treasury status [--chain X] [--manifest FILE] [--json]`: each chain's Safe (address,
owners, threshold, nonce) and what the executor holds against its float.

`omniarb treasury sweep [--chain X] [--manifest FILE] [--dry-run] [--json]`: withdraw what the
executor holds above its float (`[treasury] floats`) to the Safe (or `[treasury] destination`),
one Safe transaction per token, each audited (`treasury.sweep`). `--dry-run` reads and reports
only.

Without `--manifest`, both work on the running devnet: the executors the bot deployed
(`executors.json` beside its manifest) and the devnet Safes, whose owner keys are the devnet's
accounts. With `--manifest FILE` (a described network), the Safe and executor come from the
file and the owner keys from the key backend (`[treasury] owners`, relayed by
`[treasury] relayer`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.table import Table

from omniarb.chains.rpc import RpcClient
from omniarb.cli import Subparsers
from omniarb.cli._output import add_json_flag, emit_json, stdout_console
from omniarb.config import Settings, load_secrets
from omniarb.custody.network_owner import network_safe_owner, require_owner_keys
from omniarb.custody.owner import OwnerActions
from omniarb.custody.safe_owner import read_safe
from omniarb.custody.treasury import Holding, SweepResult, TreasurySweep
from omniarb.devnet.custody import devnet_safe_owner
from omniarb.devnet.record import read_record
from omniarb.errors import ConfigError, NotRunningError
from omniarb.keys.factory import open_backend
from omniarb.network import ChainManifest, Manifest
from omniarb.store import HistoryDatabase, resolve_db_url

__all__ = ["devnet_sweeps", "register", "sweep_lines", "whole_tokens"]

OwnerFactory = Callable[[RpcClient, ChainManifest], OwnerActions]


def register(subparsers: Subparsers) -> None:
    """Add `treasury` with its verbs `status` and `sweep`."""
    parser = subparsers.add_parser(
        "treasury", help="the Safe that owns the executor, and sweeping profit to it"
    )
    verbs = parser.add_subparsers(dest="treasury_verb", required=True, metavar="VERB")
    status = verbs.add_parser(
        "status",
        help="each chain's Safe and the executor's balances against their floats",
        description="Show each chain's Safe (address, owners, threshold, nonce) and the "
        "executor's balance of each swept token against its float. Reads only.",
    )
    sweep = verbs.add_parser(
        "sweep",
        help="withdraw the executor's balances above their floats to the Safe",
        description="Withdraw what the executor holds above each token's float ([treasury] "
        "floats, whole tokens) to the Safe ([treasury] destination overrides it), one Safe "
        "transaction per token signed by the Safe's threshold of owners; each is audited.",
    )
    sweep.add_argument(
        "--dry-run", action="store_true", help="report what would move; send nothing"
    )
    for verb, func in ((status, status_cmd), (sweep, sweep_cmd)):
        verb.add_argument("--chain", metavar="NAME", help="one chain only")
        verb.add_argument(
            "--manifest",
            type=Path,
            metavar="FILE",
            help="a described network (else the running devnet)",
        )
        add_json_flag(verb)
        verb.set_defaults(func=func)


def whole_tokens(amount: int, decimals: int) -> str:
    """`amount` base units in whole tokens, in plain notation (never 1E-18)."""
    return f"{Decimal(amount).scaleb(-decimals).normalize():f}"


def _holding_json(h: Holding) -> dict[str, Any]:
    return {
        "symbol": h.symbol,
        "token": h.token,
        "balance": str(h.balance),
        "float": str(h.float_amount),
        "excess": str(h.excess),
        "tx_hash": h.tx_hash,
    }


def sweep_lines(results: list[SweepResult]) -> list[str]:
    """One line per chain: what was swept (or would be, dry), in whole tokens."""
    lines = []
    for result in results:
        moved = [h for h in result.holdings if h.excess and (result.dry_run or h.tx_hash)]
        what = ", ".join(f"{whole_tokens(h.excess, h.decimals)} {h.symbol}" for h in moved)
        verb = "would sweep" if result.dry_run else "swept"
        lines.append(
            f"{result.chain}: {verb} {what or 'nothing (all at or below their floats)'} "
            f"to {result.destination}"
        )
    return lines


def _devnet_manifest() -> tuple[Path, Manifest]:
    record = read_record()
    if record is None:
        raise NotRunningError(
            "no devnet is running (start one with `omniarb devnet up --detach`, or name a "
            "described network with --manifest FILE)"
        )
    path = Path(record.manifest)
    return path, Manifest.read(path)


def _devnet_executors(manifest_path: Path) -> dict[str, str]:
    """The executors the bot deployed on the devnet, by chain (none before its first run)."""
    memo = manifest_path.parent / "executors.json"
    return dict(json.loads(memo.read_text())) if memo.exists() else {}


def _network_owner(settings: Settings) -> OwnerFactory:
    """On a described network the Safe's owner signers and the relayer that sends their
    transaction come from the configured key backend (`[keys]`), by the addresses
    `[treasury] owners` and `relayer` list; nothing is unlocked until a sweep signs."""
    require_owner_keys(settings.treasury)
    backend = open_backend(settings, load_secrets())

    def make(rpc: RpcClient, chain: ChainManifest) -> OwnerActions:
        return network_safe_owner(settings.treasury, backend, rpc, chain)

    return make


def _lazy_network_owner(settings: Settings) -> OwnerFactory:
    """`_network_owner`, opened at the first chain that signs (status and --dry-run open no
    key backend), then shared by every chain (a PKCS#11 token allows one login per process)."""
    opened: list[OwnerFactory] = []

    def owner(rpc: RpcClient, chain: ChainManifest) -> OwnerActions:
        if not opened:
            opened.append(_network_owner(settings))
        return opened[0](rpc, chain)

    return owner


def _targets(
    args: argparse.Namespace, settings: Settings
) -> tuple[list[tuple[ChainManifest, str]], OwnerFactory]:
    """The chains to look at with their executors, and how to get each one's owner."""
    if args.manifest is None:
        path, manifest = _devnet_manifest()
        executors = _devnet_executors(path)
        chains = [(c, executors[c.name]) for c in manifest.chains if c.name in executors]
        owner: OwnerFactory = devnet_safe_owner
    else:
        manifest = Manifest.read(args.manifest)
        chains = [(c, c.executor) for c in manifest.chains if c.executor is not None]
        owner = _lazy_network_owner(settings)
    if args.chain is not None:
        manifest.chain(args.chain)  # an unknown chain is an error, not an empty answer
        chains = [(c, e) for c, e in chains if args.chain in (c.name, str(c.chain_id))]
    if not chains:
        raise ConfigError(
            "no executor to look at: the bot has not deployed one on the devnet yet (run it "
            "once), or the network file names none (`omniarb executor deploy`)"
        )
    return chains, owner


async def _status(chains: list[tuple[ChainManifest, str]], settings: Settings) -> list[Any]:
    report = []
    for chain, executor in chains:
        async with RpcClient(chain.rpc_http) as rpc:
            safe: dict[str, Any] | None = None
            if chain.safe is not None:
                owners, threshold, nonce = await read_safe(rpc, chain.safe.address)
                safe = {
                    "address": chain.safe.address,
                    "owners": list(owners),
                    "threshold": threshold,
                    "nonce": nonce,
                }
            sweep = TreasurySweep(
                rpc=rpc,
                chain=chain,
                executor=executor,
                owner=_NoOwner(),
                settings=settings.treasury,
            )
            holdings = await sweep.holdings()
            report.append(
                {
                    "chain": chain.name,
                    "executor": executor,
                    "safe": safe,
                    "destination": sweep.destination,
                    "holdings": [_holding_json(h) for h in holdings],
                    "_decimals": {h.symbol: h.decimals for h in holdings},
                }
            )
    return report


class _NoOwner:
    """Status reads only: an owner that is never asked to send."""

    owner_address = ""

    async def call(self, *, to: str, data: bytes, value: int = 0) -> Any:
        raise AssertionError("treasury status sends nothing")


def status_cmd(args: argparse.Namespace, settings: Settings) -> int:
    chains, _ = _targets(args, settings)
    report = asyncio.run(_status(chains, settings))
    decimals = [entry.pop("_decimals") for entry in report]
    if args.json:
        emit_json(report)
        return 0
    console = stdout_console()
    for entry, places in zip(report, decimals, strict=True):
        safe = entry["safe"]
        console.print(
            f"{entry['chain']}: executor {entry['executor']}, "
            + (
                f"Safe {safe['address']} ({safe['threshold']} of {len(safe['owners'])}: "
                f"{', '.join(safe['owners'])}; nonce {safe['nonce']})"
                if safe
                else "no Safe in the manifest"
            ),
            soft_wrap=True,
        )
        table = Table("token", "balance", "float", "above float")
        for h in entry["holdings"]:
            p = places[h["symbol"]]
            table.add_row(
                h["symbol"],
                whole_tokens(int(h["balance"]), p),
                whole_tokens(int(h["float"]), p),
                whole_tokens(int(h["excess"]), p),
            )
        console.print(table)
    return 0


async def devnet_sweeps(
    manifest_path: Path,
    settings: Settings,
    *,
    dry_run: bool,
    audit: HistoryDatabase | None,
    chains: list[str] | None = None,
    actor: str = "cli",
) -> list[SweepResult]:
    """Sweep the devnet executors (of `chains`, else all the bot deployed) to their Safes."""
    manifest = Manifest.read(manifest_path)
    executors = _devnet_executors(manifest_path)
    targets = [
        (c, executors[c.name])
        for c in manifest.chains
        if c.name in executors and (chains is None or c.name in chains)
    ]
    return await _sweep(
        targets, devnet_safe_owner, settings, dry_run=dry_run, audit=audit, actor=actor
    )


async def _sweep(
    targets: list[tuple[ChainManifest, str]],
    owner: OwnerFactory,
    settings: Settings,
    *,
    dry_run: bool,
    audit: HistoryDatabase | None,
    actor: str,
) -> list[SweepResult]:
    results = []
    for chain, executor in targets:
        async with RpcClient(chain.rpc_http) as rpc:
            sweep = TreasurySweep(
                rpc=rpc,
                chain=chain,
                executor=executor,
                owner=_NoOwner() if dry_run else owner(rpc, chain),
                settings=settings.treasury,
                audit=audit,
                actor=actor,
            )
            results.append(await sweep.run(dry_run=dry_run))
    return results


def sweep_cmd(args: argparse.Namespace, settings: Settings) -> int:
    chains, owner = _targets(args, settings)
    audit = None if args.dry_run else HistoryDatabase.open(resolve_db_url(secrets=load_secrets()))
    try:
        results = asyncio.run(
            _sweep(chains, owner, settings, dry_run=args.dry_run, audit=audit, actor="cli")
        )
    finally:
        if audit is not None:
            audit.dispose()
    if args.json:
        emit_json(
            [
                {
                    "chain": r.chain,
                    "executor": r.executor,
                    "destination": r.destination,
                    "dry_run": r.dry_run,
                    "holdings": [_holding_json(h) for h in r.holdings],
                }
                for r in results
            ]
        )
    else:
        for line in sweep_lines(results):
            stdout_console().print(line, soft_wrap=True)
    return 0

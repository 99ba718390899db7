"""`omniarb executor deploy --manifest FILE --chain NAME [--json]`: the bot's executor contract on a
network the file describes, deployed with the bot's key (the `[keys]` backend: by default
`OMNIARB_PRIVATE_KEY`) and written into the file.

`omniarb executor fund --manifest FILE --chain NAME --token SYMBOL --amount WHOLE [--wrap]
[--json]`: send the executor an inventory of a token from the key's account (wrapping the
native coin first with `--wrap`), which trades may use instead of a flash loan."""

from __future__ import annotations

import argparse
import asyncio
from decimal import Decimal, InvalidOperation
from pathlib import Path

from omniarb.chains.fee_models import FeeOracle, TipPolicy
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import chain_by_id
from omniarb.cli import Subparsers
from omniarb.cli._output import add_json_flag, emit_json, stdout_console
from omniarb.config import Settings, load_secrets
from omniarb.errors import ConfigError
from omniarb.execute.executor_funding import FundedExecutor, fund_executor
from omniarb.execute.executor_setup import DeployedExecutor, deploy_executor
from omniarb.execute.signer import Signer
from omniarb.keys.factory import open_backend
from omniarb.network import ChainManifest, Manifest, write_executor
from omniarb.wiring_keys import chain_signer

__all__ = ["register"]


def register(subparsers: Subparsers) -> None:
    """Add `executor` with its verbs `deploy` and `fund`."""
    parser = subparsers.add_parser(
        "executor", help="deploy or fund the bot's executor on a described network"
    )
    verbs = parser.add_subparsers(dest="executor_verb", required=True, metavar="VERB")
    deploy = verbs.add_parser(
        "deploy",
        help="deploy OmniArbExecutor on one chain of a network file",
        description="Deploy OmniArbExecutor on chain NAME of FILE, signed with "
        "the bot's key (the [keys] backend, by default OMNIARB_PRIVATE_KEY; it owns the "
        "contract and may trade through it), registering the chain's "
        "V2/V3 factories and flash lenders from the file; wait for it to be mined and write its "
        "address into the chain's `executor` in FILE.",
    )
    deploy.add_argument(
        "--manifest", type=Path, required=True, metavar="FILE", help="the network description"
    )
    deploy.add_argument("--chain", required=True, metavar="NAME", help="the chain to deploy on")
    add_json_flag(deploy)
    deploy.set_defaults(func=deploy_cmd)
    fund = verbs.add_parser(
        "fund",
        help="send the executor an inventory of a token",
        description="Send AMOUNT whole tokens of SYMBOL from the account of the bot's key (the "
        "[keys] backend) "
        "to the executor chain NAME of FILE names (with --wrap, wrap that much of the native "
        "coin first: SYMBOL must be the wrapped native token); wait for it to be mined. Trades "
        "that need capital from outside their route may then start from it instead of a flash "
        "loan; the owner takes it back with the contract's `withdraw`.",
    )
    fund.add_argument(
        "--manifest", type=Path, required=True, metavar="FILE", help="the network description"
    )
    fund.add_argument("--chain", required=True, metavar="NAME", help="the chain of the executor")
    fund.add_argument("--token", required=True, metavar="SYMBOL", help="the token to send")
    fund.add_argument(
        "--amount", required=True, metavar="WHOLE", help="whole tokens, e.g. 2.5 (WETH)"
    )
    fund.add_argument(
        "--wrap", action="store_true", help="wrap the native coin into the token first"
    )
    add_json_flag(fund)
    fund.set_defaults(func=fund_cmd)


def deploy_cmd(args: argparse.Namespace, settings: Settings) -> int:
    path: Path = args.manifest
    chain = Manifest.read(path).chain(args.chain)
    signer = chain_signer(open_backend(settings, load_secrets()), settings.keys, chain)
    policy = settings.tip_policy(chain_by_id(chain.chain_id))
    deployed = asyncio.run(_deploy(chain, signer, policy=policy))
    write_executor(path, chain=chain.name, address=deployed.address)
    if args.json:
        emit_json({"chain": chain.name, "executor": deployed.address, "tx_hash": deployed.tx_hash})
    else:
        stdout_console().print(
            f"{chain.name}: executor {deployed.address} deployed (tx {deployed.tx_hash}), owned by "
            f"{signer.address}; written into {path}"
        )
    return 0


async def _deploy(chain: ChainManifest, signer: Signer, *, policy: TipPolicy) -> DeployedExecutor:
    spec = chain_by_id(chain.chain_id)
    fee_model = spec.fee_model
    async with RpcClient(chain.rpc_http) as rpc:
        # The chain's tip now: what recent blocks paid, within its bounds.
        tip_wei = (await FeeOracle(rpc=rpc, spec=spec, policy=policy).refresh()).tip_wei
        if chain.executor is not None:
            code = await rpc.call("eth_getCode", chain.executor, "latest")
            if len(code) > 2:
                # A deployment costs real gas: replacing a live executor must be deliberate.
                raise ConfigError(
                    f"{chain.name}: the file already names executor {chain.executor}, which is "
                    "deployed; remove its `executor` from the file to deploy a new one"
                )
        return await deploy_executor(rpc, chain, signer, fee_model=fee_model, tip_wei=tip_wei)


def _base_units(text: str, decimals: int, symbol: str) -> int:
    """`text` whole tokens in base units, exactly; a `ConfigError` for anything else."""
    try:
        whole = Decimal(text)
    except InvalidOperation:
        raise ConfigError(f"--amount: {text!r} is not a number of {symbol}") from None
    amount = whole.scaleb(decimals)
    if not whole.is_finite() or amount < 1 or amount != amount.to_integral_value():
        raise ConfigError(
            f"--amount: {text} {symbol} is not a whole number of base units "
            f"(10^-{decimals} {symbol}) of at least one"
        )
    return int(amount)


def fund_cmd(args: argparse.Namespace, settings: Settings) -> int:
    chain = Manifest.read(args.manifest).chain(args.chain)
    token = next((t for t in chain.tokens if t.symbol == args.token), None)
    if token is None:
        raise ConfigError(
            f"--token: {args.token} is not a token of {chain.name}; its tokens: "
            f"{', '.join(sorted(t.symbol for t in chain.tokens))}"
        )
    amount = _base_units(args.amount, token.decimals, token.symbol)
    signer = chain_signer(open_backend(settings, load_secrets()), settings.keys, chain)
    policy = settings.tip_policy(chain_by_id(chain.chain_id))
    funded = asyncio.run(
        _fund(chain, signer, policy=policy, token=token.symbol, amount=amount, wrap=args.wrap)
    )
    if args.json:
        emit_json(
            {
                "chain": funded.chain,
                "executor": funded.executor,
                "token": funded.token,
                "amount": str(funded.amount),
                "balance": str(funded.balance),
                "tx_hashes": list(funded.tx_hashes),
            }
        )
    else:
        stdout_console().print(
            f"{funded.chain}: executor {funded.executor} received {args.amount} {funded.token} "
            f"(tx {', '.join(funded.tx_hashes)}); it now holds "
            f"{Decimal(funded.balance).scaleb(-token.decimals)} {funded.token}"
        )
    return 0


async def _fund(
    chain: ChainManifest, signer: Signer, *, policy: TipPolicy, token: str, amount: int, wrap: bool
) -> FundedExecutor:
    spec = chain_by_id(chain.chain_id)
    async with RpcClient(chain.rpc_http) as rpc:
        tip_wei = (await FeeOracle(rpc=rpc, spec=spec, policy=policy).refresh()).tip_wei
        return await fund_executor(
            rpc,
            chain,
            signer,
            token=chain.token(token),
            amount=amount,
            wrap=wrap,
            fee_model=spec.fee_model,
            tip_wei=tip_wei,
        )

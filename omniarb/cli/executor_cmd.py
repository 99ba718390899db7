"""`omniarb executor deploy --manifest FILE --chain NAME [--json]`: the bot's executor contract on a
network the file describes, deployed with `OMNIARB_PRIVATE_KEY` and written into the file."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from omniarb.chains.fee_models import FeeOracle, TipPolicy
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import chain_by_id
from omniarb.cli import Subparsers
from omniarb.cli._output import add_json_flag, emit_json, stdout_console
from omniarb.config import Settings, load_secrets
from omniarb.errors import ConfigError
from omniarb.execute.executor_setup import DeployedExecutor, deploy_executor
from omniarb.execute.signer import Signer
from omniarb.network import ChainManifest, Manifest, write_executor

__all__ = ["register"]


def register(subparsers: Subparsers) -> None:
    """Add `executor` with its verb `deploy`."""
    parser = subparsers.add_parser(
        "executor", help="deploy the bot's executor on a described network"
    )
    verbs = parser.add_subparsers(dest="executor_verb", required=True, metavar="VERB")
    deploy = verbs.add_parser(
        "deploy",
        help="deploy OmniArbExecutor on one chain of a network file",
        description="Deploy OmniArbExecutor on chain NAME of FILE, signed with "
        "OMNIARB_PRIVATE_KEY (which owns it and may trade through it), registering the chain's "
        "V2/V3 factories and flash lenders from the file; wait for it to be mined and write its "
        "address into the chain's `executor` in FILE.",
    )
    deploy.add_argument(
        "--manifest", type=Path, required=True, metavar="FILE", help="the network description"
    )
    deploy.add_argument("--chain", required=True, metavar="NAME", help="the chain to deploy on")
    add_json_flag(deploy)
    deploy.set_defaults(func=deploy_cmd)


def deploy_cmd(args: argparse.Namespace, settings: Settings) -> int:
    path: Path = args.manifest
    chain = Manifest.read(path).chain(args.chain)
    signer = Signer.from_secrets(load_secrets(), chain_id=chain.chain_id)
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

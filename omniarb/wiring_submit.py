"""How a chain's trades are sent: the submitter (nonces, replacement of a stuck transaction,
the receipt's deadline) and, for a chain whose trades go to a bundle relay, its bundle sender."""

from __future__ import annotations

import math
from collections.abc import Callable

from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import ChainSpec
from omniarb.cluster.fence import FencedGuard, FencedSigner
from omniarb.cluster.lease import SignerLease
from omniarb.config import Settings, Submission
from omniarb.errors import ConfigError
from omniarb.execute import NonceManager, Signer, Submitter
from omniarb.execute._revert import error_signatures_from_abi
from omniarb.execute.bundle_send import BundleRelay, BundleSender
from omniarb.execute.executor_calldata import executor_artifact
from omniarb.execute.replace import ReplacementPolicy, default_replace_after_blocks
from omniarb.network import ChainManifest
from omniarb.store import HistoryStore
from omniarb.types import SubmitChannel

__all__ = ["replacement_policy", "submit_parts"]

_RECEIPT_TIMEOUT_S = 60.0


def replacement_policy(settings: Settings, block_time_s: float) -> ReplacementPolicy:
    """The `[bot]` replacement settings for a chain with `block_time_s` blocks."""
    bot = settings.bot
    return ReplacementPolicy(
        replace_after_blocks=bot.replace_after_blocks or default_replace_after_blocks(block_time_s),
        max_replacements=bot.max_replacements,
        fee_bump_percent=bot.replacement_fee_bump_percent,
        max_fee_per_gas_wei=bot.max_fee_per_gas_wei,
    )


async def _block_number(rpc: RpcClient) -> int:
    return int(await rpc.call("eth_blockNumber"), 16)


def submit_parts(
    chain: ChainManifest,
    spec: ChainSpec,
    settings: Settings,
    *,
    rpc: RpcClient,
    store: HistoryStore,
    signer: Signer,
    nonces: NonceManager,
    relay: BundleRelay | None,
    submission: Submission,
    head_block: Callable[[], int | None],
    tip_wei: int,
    lease: SignerLease | None = None,
) -> tuple[BundleSender | None, Submitter]:
    """(the bundle sender, or None for a chain that sends to its node; the submitter).
    Bundles target the blocks after `head_block` (the synced head the trade was priced on).
    With the chain's signer `lease` (a worker of the scaled-out roles), every signature and
    every claim is fenced by it (`omniarb.cluster.fence`); without, a single process's."""
    guard = store.submissions if lease is None else FencedGuard(store.submissions, lease)
    if lease is not None and not isinstance(signer, FencedSigner):  # a pool's other keys
        signer = FencedSigner(signer, lease)
    policy = replacement_policy(settings, spec.block_time_s)
    if submission.channel is SubmitChannel.BUNDLE and relay is None:
        raise ConfigError(
            f"{chain.name}: trades go to a bundle relay, and no relay client is given"
        )
    bundles = (
        None
        if relay is None or submission.channel is not SubmitChannel.BUNDLE
        else BundleSender(
            relay=relay,
            head_block=head_block,
            blocks_ahead=submission.target_blocks_ahead,
            chain_head=lambda: _block_number(rpc),
        )
    )
    submitter = Submitter(
        rpc=rpc,
        signer=signer,
        nonces=nonces,
        guard=guard,
        known_errors=error_signatures_from_abi(executor_artifact().abi),
        # Long enough for every replacement the policy allows, a window each, and one more.
        receipt_timeout_s=max(
            _RECEIPT_TIMEOUT_S,
            math.ceil(
                (policy.max_replacements + 2) * policy.replace_after_blocks * spec.block_time_s
            ),
        ),
        replacement=policy,
        fee_model=spec.fee_model,
        tip_wei=tip_wei,
        on_replacement=store.record,
        bundles=bundles,
    )
    return bundles, submitter

"""Build one chain's pipeline from a manifest: every stage, its dependencies, its settings.

`build_pipeline` asks a `ChainAccess` who signs on the chain and through which executor
contract, then wires the stages (`chain_pipeline`). `NetworkAccess` serves a network described
by a file (`omniarb run --manifest FILE`): the signer comes from `OMNIARB_PRIVATE_KEY`, and the
executor is the file's, checked (code, owner or authorized executor, factories) but never
deployed or seeded; nothing is sent at set-up. The devnet has its own access (it deploys the
bot's executor on first use), in `omniarb.devnet`, which the product never imports.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any, Protocol

from omniarb.allocate import FlashLoanAllocator, Inventory, LenderBook
from omniarb.chain_events import LogFilter
from omniarb.chains.fee_models import FeeOracle
from omniarb.chains.rpc import RpcClient, RpcObserver
from omniarb.chains.spec import chain_by_id
from omniarb.chains.ws import ReconnectPolicy
from omniarb.collect import HeadCollector
from omniarb.collect.pending import PendingObserver
from omniarb.config import Settings, Submission, inventory_caps, risk_limits, submission_for
from omniarb.detect import CycleDetector
from omniarb.dex.deployments import traded_deployments
from omniarb.dex.registry import ADAPTERS, adapter
from omniarb.dex.router_book import DecodeObserver
from omniarb.engine import ChainPipeline
from omniarb.errors import ConfigError
from omniarb.execute import NonceManager, RouteCodec, Signer, Submitter
from omniarb.execute.bribe import BribePolicy
from omniarb.execute.bundle_send import BundleRelay, BundleSender
from omniarb.execute.executor_calldata import dex_factories, wrapped_native
from omniarb.execute.executor_setup import verify_executor
from omniarb.execute.key_pool import KeyPool
from omniarb.execute.local_check import LocalSimulation
from omniarb.execute.precheck_audit import PrecheckAuditor
from omniarb.execute.precheck_policy import PrecheckPolicy
from omniarb.execute.stage import ExecuteStage
from omniarb.gas import GasModel
from omniarb.network import ChainManifest
from omniarb.optimize import Params, TunedLimits
from omniarb.optimize.setup import chain_optimizer
from omniarb.reconcile import reconcile_unsettled
from omniarb.risk import ChainGuard, CircuitBreaker, RiskManager, TokenSafety, TokenScreen
from omniarb.risk.token_safety import holders_of
from omniarb.score import ModelSource, load_active, scorer_for
from omniarb.state import BlockSync, LenderBalances, PoolStateSync, SyncSettings
from omniarb.store import HistoryStore
from omniarb.track import ChainBotStats, Tracker
from omniarb.track.finality import FinalityWatch
from omniarb.types import Token
from omniarb.wiring_mempool import mempool_watch, ws_urls
from omniarb.wiring_submit import replacement_policy, submit_parts

__all__ = [
    "EXECUTOR_GAS",
    "STABLECOINS",
    "ChainAccess",
    "NetworkAccess",
    "build_pipeline",
    "chain_pipeline",
    "head_collector",
    "pool_syncs",
    "replacement_policy",
]

log = logging.getLogger(__name__)

STABLECOINS = ("USDC", "USDT", "DAI")
# Measured through the executor (benchmarks/execute.py) and rounded up so a net profit is never
# overstated: the contract's fixed cost (4,662 over the hops), each lender's extra over the
# route's own pair, the largest over the routes measured; each kind's hops are its adapter's
# (`hop_gas`).
EXECUTOR_GAS = GasModel(
    base_gas=6_000,
    v2_pair_loan_gas=95_000,
    balancer_loan_gas=38_000,
    aave_loan_gas=124_000,
    v3_flash_loan_gas=64_000,
    # An Algebra pool's `flash`: 34,426 over the route's own pair on the devnet
    # (tests/integration/dex/conformance/test_algebra_flash_loan.py).
    algebra_flash_loan_gas=40_000,
)


class ChainAccess(Protocol):
    """Who trades on a chain: the signer, and the executor contract it trades through; `devnet`
    says whether the chains are the local devnet (whose bundle chains may run without a relay,
    and whose relay takes a fresh reputation key per run)."""

    devnet: bool

    def signer(self, chain: ChainManifest) -> Signer:
        """The bot's signer on `chain`."""
        ...

    async def executor(self, chain: ChainManifest, rpc: RpcClient, signer: Signer) -> str:
        """The address of the executor `signer` trades through on `chain`, ready to use."""
        ...


class NetworkAccess:
    """A described network's access: one signer per chain name (keys from the environment),
    and the executor the description names, verified before the first trade."""

    devnet = False

    def __init__(self, signers: Mapping[str, Signer]) -> None:
        self._signers = dict(signers)

    def signer(self, chain: ChainManifest) -> Signer:
        return self._signers[chain.name]

    async def executor(self, chain: ChainManifest, rpc: RpcClient, signer: Signer) -> str:
        return await verify_executor(rpc, chain, signer.address)


def pool_syncs(chain: ChainManifest, rpc: RpcClient) -> list[BlockSync[Any]]:
    """One block sync per traded kind of pool on `chain`, each over its adapter's book of the
    chain's DEXes of that kind, keeping the chain's reorg depth of block history. An unknown
    deployment stops here, with its name."""
    by_kind = traded_deployments(chain)
    settings = SyncSettings(history_blocks=chain_by_id(chain.chain_id).reorg_depth)
    if not by_kind:
        raise ConfigError(f"{chain.name}: no DEX of a traded kind ({', '.join(ADAPTERS)})")
    return [
        BlockSync(adapter(kind).book(rpc=rpc, chain_id=chain.chain_id, dexes=dexes), settings)
        for kind, dexes in by_kind.items()
    ]


async def build_pipeline(
    chain: ChainManifest,
    *,
    rpc: RpcClient,
    access: ChainAccess,
    settings: Settings,
    store: HistoryStore,
    dry_run: bool,
    breaker: CircuitBreaker | ChainGuard | None = None,
    rpc_observer: RpcObserver | None = None,
    relay: BundleRelay | None = None,
    pending_observer: PendingObserver | None = None,
    decode_observer: DecodeObserver | None = None,
) -> ChainPipeline:
    """Every stage of `chain`'s pipeline, ready for the engine, for the signer and executor
    `access` gives. A restarted bot first settles its previous run's trades from the chain
    (`omniarb.reconcile`), so it neither reuses their nonces nor trades a gap one of them is
    about to close.
    `rpc_observer` receives the health of the chain's WebSocket endpoints."""
    signer = access.signer(chain)
    executor = await access.executor(chain, rpc, signer)
    pipeline = await chain_pipeline(
        chain,
        rpc=rpc,
        settings=settings,
        store=store,
        signer=signer,
        executor=executor,
        dry_run=dry_run,
        breaker=breaker,
        rpc_observer=rpc_observer,
        submission=submission_for(
            chain_by_id(chain.chain_id), settings, network=chain, devnet=access.devnet
        ),
        relay=relay,
        pending_observer=pending_observer,
        decode_observer=decode_observer,
    )
    if not dry_run:
        await reconcile_unsettled(
            chain=chain.name,
            chain_id=chain.chain_id,
            rpc=rpc,
            store=store,
            submitter=pipeline.execute.submitter,
            tracker=pipeline.track,
        )
    return pipeline


def head_collector(
    chain: ChainManifest,
    settings: Settings,
    log_filters: Sequence[LogFilter],
    rpc_observer: RpcObserver | None = None,
) -> HeadCollector:
    """The chain's collector of heads and `log_filters`' logs: on every WebSocket endpoint its
    `[chains.NAME]` table lists (else the manifest's one URL), failing over by the `[rpc]`
    policy as the HTTP client does, their health reported to `rpc_observer`."""
    return HeadCollector(
        chain_id=chain.chain_id,
        ws_url=ws_urls(chain, settings),
        log_filters=log_filters,
        policy=ReconnectPolicy(failover=settings.rpc.policy().failover),
        observer=rpc_observer.rpc_endpoint if rpc_observer is not None else None,
    )


async def chain_pipeline(
    chain: ChainManifest,
    *,
    rpc: RpcClient,
    settings: Settings,
    store: HistoryStore,
    signer: Signer,
    executor: str,
    dry_run: bool,
    breaker: CircuitBreaker | ChainGuard | None = None,
    rpc_observer: RpcObserver | None = None,
    submission: Submission | None = None,
    relay: BundleRelay | None = None,
    pending_observer: PendingObserver | None = None,
    decode_observer: DecodeObserver | None = None,
) -> ChainPipeline:
    """Every stage of `chain`'s pipeline for a bot that signs with `signer` and trades through
    the executor contract at `executor` (which `signer` may call)."""
    spec = chain_by_id(chain.chain_id)
    for token in chain.tokens:
        await store.record(
            Token(
                chain_id=chain.chain_id,
                address=token.address,
                symbol=token.symbol,
                decimals=token.decimals,
            )
        )

    # Lenders' balances follow the token logs with the pools', so choosing a lender reads
    # memory, not the node (`omniarb.state.lender_balances`).
    lender_book = LenderBook.from_manifest(chain, rpc, EXECUTOR_GAS)
    # The executor's own inventory is followed the same way, as one more holder of each token.
    caps = inventory_caps(settings.allocate, chain.name, chain.tokens)
    inventory_pairs = [] if caps is None else [(t.address, executor) for t in chain.tokens]
    balances = LenderBalances(
        rpc=rpc,
        chain_id=chain.chain_id,
        pairs=[*lender_book.holdings(), *inventory_pairs],
        history_blocks=spec.reorg_depth,
    )
    sync = PoolStateSync(pool_syncs(chain, rpc), balances)
    wrapped = next(t for t in chain.tokens if t.wrapped_native)
    stables = [chain.token(symbol) for symbol in STABLECOINS]
    # The chain's fee model: tips from recent blocks within its bounds, and on an L2 its L1
    # prices; refreshed per block by the engine, read first here so the first block has them.
    submission = submission or submission_for(spec, settings, network=chain)
    fees = FeeOracle(rpc=rpc, spec=spec, policy=settings.tip_policy(spec))
    tip_wei = (await fees.refresh()).tip_wei
    detector = CycleDetector(
        chain_id=chain.chain_id,
        base_tokens=[wrapped.address, *(t.address for t in stables)],
        wrapped_native=wrapped.address,
        stablecoin_decimals={t.address: t.decimals for t in stables},
        gas_model=EXECUTOR_GAS,
        priority_fee_wei=tip_wei,
        fees=fees,
        # A chain that bribes starts cycles in the wrapped native token, the bribe's currency.
        first_start=wrapped.address if submission.bribe_share_bps > 0 else None,
    )
    nonces = NonceManager(rpc=rpc, address=signer.address)

    def key_submitter(
        key: Signer, key_nonces: NonceManager
    ) -> tuple[BundleSender | None, Submitter]:
        return submit_parts(
            chain,
            spec,
            settings,
            rpc=rpc,
            store=store,
            signer=key,
            nonces=key_nonces,
            relay=relay,
            submission=submission,
            head_block=lambda: None if (head := sync.head) is None else head.number,
            tip_wei=tip_wei,
        )

    bundles, first = key_submitter(signer, nonces)
    # Each key of the chain's pool has its own nonce sequence (`omniarb.execute.key_pool`).
    submitter = KeyPool(
        first,
        rpc=rpc,
        make_submitter=lambda key: key_submitter(key, NonceManager(rpc=rpc, address=key.address))[
            1
        ],
    )
    # The audit rate as an exact fraction of its decimal text: 0.05 picks every 20th trade.
    precheck = PrecheckPolicy(
        mode=settings.execute.remote_precheck,
        audit_rate=Fraction(str(settings.execute.precheck_audit_rate)),
    )
    # The tokens earlier runs proved need no node pre-check now; those they flagged still do.
    verdicts = await asyncio.to_thread(store.token_verdicts, chain_id=chain.chain_id)
    precheck.trust.remember(proven=verdicts.proven, flagged=verdicts.flagged)
    log.info(
        "%s: %d tokens proven and %d flagged by past trades",
        chain.name,
        len(verdicts.proven),
        len(verdicts.flagged),
    )
    activity, backruns = mempool_watch(
        chain,
        spec,
        settings,
        rpc=rpc,
        detector=detector,
        sender=signer.address,
        watched=bundles is not None and submission.watch_mempool,
        pending_observer=pending_observer,
        decode_observer=decode_observer,
    )
    limits = risk_limits(
        settings.risk,
        chain.name,
        chain.tokens,
        min_net_profit_usd=settings.bot.min_net_profit_usd,
    )
    risk = RiskManager.from_limits(limits)
    # The tuned parameters start at the configured ones; the risk and execute stages read them
    # on every trade, so the optimizer's changes apply without a restart.
    optimizer = chain_optimizer(
        chain.name,
        Params(
            bribe_share_bps=submission.bribe_share_bps,
            min_net_profit_usd=limits.min_net_profit_usd,
        ),
        settings.optimize,
        bundles=bundles is not None,
    )
    live = optimizer.live
    return ChainPipeline(
        name=chain.name,
        rpc=rpc,
        sync=sync,
        collector=head_collector(chain, settings, sync.log_filters(), rpc_observer),
        detector=detector,
        risk=RiskManager(chain=risk.chain, rules=[*risk.rules, TunedLimits(live)]),
        tokens=TokenScreen(
            safety=TokenSafety(
                rpc=rpc,
                executor=executor,
                settings=settings.risk.token_safety,
                holders=holders_of((p.address, p.kind, (p.token0, p.token1)) for p in chain.pools),
            )
        ),
        score=scorer_for(
            settings.score,
            ModelSource(settings.score, await asyncio.to_thread(load_active, settings.score)),
            # The tip the execute stage bids: the fee quote's, refreshed per block.
            tip_wei=lambda: fees.quote.tip_wei,
            pending=activity,
        ),
        allocate=FlashLoanAllocator(
            book=lender_book,
            gas_model=EXECUTOR_GAS,
            resize=detector.resize_for_loan,
            balances=balances,
            inventory=(
                None if caps is None else Inventory(executor=executor, balances=balances, caps=caps)
            ),
        ),
        execute=ExecuteStage(
            submitter=submitter,
            codec=RouteCodec(dex_factories(chain)),
            executor=executor,
            fee_model=spec.fee_model,
            tip_wei=tip_wei,
            dry_run=dry_run,
            deadline_blocks=settings.execute.deadline_blocks,
            fees=fees,
            # Read-only: the local simulation reads the synced states, the state task writes.
            local=LocalSimulation(states=sync, holdings=lender_book.held_by_custodian(balances)),
            policy=precheck,
            auditor=PrecheckAuditor(call=submitter.precheck, policy=precheck),
            # To the node (the sequencer's on an L2), or to the relay in bundles.
            channel=submission.channel,
            bribe=BribePolicy(
                share_bps=submission.bribe_share_bps,
                wrapped_native=wrapped_native(chain),
                gas=EXECUTOR_GAS.bribe_gas,
            ),
            bribe_share_bps=lambda: live.current.bribe_share_bps,
            min_tip_wei=lambda: live.current.tip_wei,
        ),
        track=(tracker := Tracker(rpc=rpc, submitter=submitter, holder=executor, fees=fees)),
        stats=ChainBotStats(
            chain=chain.name,
            chain_id=chain.chain_id,
            symbols={t.address.lower(): t.symbol for t in chain.tokens},
            decimals={t.address.lower(): t.decimals for t in chain.tokens},
        ),
        breaker=breaker,
        fees=fees,
        finality=FinalityWatch(
            rpc=rpc,
            reader=tracker,
            sender=signer.address,
            confirmation_depth=spec.confirmation_depth,
            on_nonces_freed=nonces.lost,
        ),
        backruns=backruns,
        optimizer=optimizer,
    )

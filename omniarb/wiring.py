"""Build one chain's pipeline from a manifest: every stage, its dependencies, its settings.

`build_pipeline` asks a `ChainAccess` who signs on the chain and through which executor
contract, then wires the stages (`chain_pipeline`). The accesses are `omniarb.wiring_access`'s
(`NetworkAccess` serves a network described by a file), the state stage's block syncs and
collector `omniarb.wiring_state`'s; this module re-exports them, so importers need only it.
"""

from __future__ import annotations

import asyncio
import logging
from fractions import Fraction

from omniarb.allocate import FlashLoanAllocator, Inventory, LenderBook
from omniarb.chains.fee_models import FeeOracle
from omniarb.chains.rpc import RpcClient, RpcObserver
from omniarb.chains.spec import chain_by_id
from omniarb.cluster.fence import FencedSigner
from omniarb.cluster.lease import SignerLease
from omniarb.collect.pending import PendingObserver
from omniarb.config import Settings, Submission, inventory_caps, risk_limits, submission_for
from omniarb.detect import CycleDetector
from omniarb.dex.router_book import DecodeObserver
from omniarb.engine import ChainPipeline
from omniarb.execute import NonceManager, RouteCodec, Signer, Submitter
from omniarb.execute.bribe import BribePolicy
from omniarb.execute.bundle_send import BundleRelay, BundleSender
from omniarb.execute.executor_calldata import dex_factories, wrapped_native
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
from omniarb.state import LenderBalances, PoolStateSync
from omniarb.store import HistoryStore
from omniarb.track import ChainBotStats, Tracker
from omniarb.track.finality import FinalityWatch
from omniarb.types import Token
from omniarb.wiring_access import ChainAccess, NetworkAccess
from omniarb.wiring_mempool import mempool_watch
from omniarb.wiring_state import head_collector, pool_syncs
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
    lease: SignerLease | None = None,
) -> ChainPipeline:
    """Every stage of `chain`'s pipeline, ready for the engine, for the signer and executor
    `access` gives. A restarted bot first settles its previous run's trades from the chain
    (`omniarb.reconcile`), so it neither reuses their nonces nor trades a gap one of them is
    about to close; so does a standby taking a dead worker's `lease` over (the claims are the
    chain's, in the shared database, whoever made them).
    `rpc_observer` receives the health of the chain's WebSocket endpoints. With `lease` (held
    by the caller, which keeps it renewed), the chain's signatures and submission claims are
    fenced by it (`omniarb.cluster.fence`); without, nothing changes."""
    signer = access.signer(chain)
    if lease is not None:
        # From the first signature on: setting the executor up may sign (deploy, fund) too.
        signer = FencedSigner(signer, lease)
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
        lease=lease,
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
    lease: SignerLease | None = None,
) -> ChainPipeline:
    """Every stage of `chain`'s pipeline for a bot that signs with `signer` and trades through
    the executor contract at `executor` (which `signer` may call); its submitters' signatures
    and claims fenced by `lease` when given."""
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
            lease=lease,
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
            auditor=PrecheckAuditor(
                call=submitter.precheck,
                policy=precheck,
                head_block=lambda: None if (head := sync.head) is None else head.number,
            ),
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

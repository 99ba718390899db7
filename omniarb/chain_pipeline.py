"""`ChainPipeline`: the stages of one chain, as `omniarb.wiring` builds them and
`omniarb.chain_run.ChainRun` runs them."""

from __future__ import annotations

from dataclasses import dataclass

from omniarb.allocate import FlashLoanAllocator
from omniarb.backrun_watch import BackrunWatch
from omniarb.chains.fee_models import FeeOracle
from omniarb.chains.rpc import RpcClient
from omniarb.collect.heads import HeadCollector
from omniarb.detect import CycleDetector
from omniarb.execute.stage import ExecuteStage
from omniarb.optimize.setup import ChainOptimizer
from omniarb.risk import ChainGuard, CircuitBreaker, RiskManager, TokenScreen
from omniarb.score import FaceValue, ProfitScorer
from omniarb.state.pool_sync import PoolStateSync
from omniarb.track import ChainBotStats, Tracker
from omniarb.track.finality import FinalityWatch

__all__ = ["ChainPipeline"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainPipeline:
    """The stages of one chain, built by `omniarb.wiring`."""

    name: str
    rpc: RpcClient
    sync: PoolStateSync
    collector: HeadCollector
    detector: CycleDetector
    risk: RiskManager
    score: ProfitScorer | FaceValue
    allocate: FlashLoanAllocator
    execute: ExecuteStage
    track: Tracker
    stats: ChainBotStats
    breaker: CircuitBreaker | ChainGuard | None = None
    # Declines routes through tokens whose simulated trade is unsafe; None: no screening.
    tokens: TokenScreen | None = None
    fees: FeeOracle | None = None
    finality: FinalityWatch | None = None
    # The chain's pending swaps to backrun (a chain that sends bundles); None: blocks only.
    backruns: BackrunWatch | None = None
    # The chain's tuned parameters (read by its risk and execute stages) and, when the
    # optimizer is online, its tuner, fed each sent trade and each outcome here.
    optimizer: ChainOptimizer | None = None

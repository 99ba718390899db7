"""Rival searchers on the devnet: other bots racing ours for the same gaps.

Each rival is its own funded dev account (`RIVAL_FIRST_INDEX` and up) trading through its own
`OmniArbExecutor`, with a `RivalPolicy`: reaction latency, profit floor, tip, bribe share and
channel (the public mempool, or bundles to the chain's devnet relay paying the coinbase a share
of the profit through `executeAndPayCoinbase`). On each new block the rivals of a chain price
every cycle with the product's own detector (`ChainSight`), each takes the best its policy
allows, waits its latency and sends; the chain's ordering decides who lands first, so the bot's
trades fail, revert and get outbid for real reasons. The same seed gives the same rivals.

Public API (stable; other devnet tools and tests build on it):

    from omniarb.devnet.rivals import Rival, RivalPolicy, RivalsParams, Rivals, run_rivals

    # Rivals drawn from a seed: preset i % len(presets) for rival i.
    params = RivalsParams(seed=11, count=3, presets=("fast-greedy", "slow", "relay"))
    params.resolved()                  # -> tuple[RivalPolicy, ...], the same for the same seed

    # Or hand-picked rivals (e.g. one relay rival with a 50% bribe):
    params = RivalsParams(policies=(RivalPolicy(name="r", latency_ms=0, tip_wei=30 * 10**9,
                                                bribe_share_bps=5_000, channel=Channel.RELAY),))

    async with Rivals(manifest, params, chains=["ethereum"]) as rivals:   # funded, deployed
        task = asyncio.create_task(rivals.run())      # races until cancelled
        rivals.snapshot()                             # RivalsSnapshot: sent/won/... per rival
        rivals.records("ethereum")                    # RivalRecord(sent=RivalSend, result=...)
        rivals.rivals("ethereum")[0].executor         # the rival's contract

    await run_rivals(manifest, params)                # the same, until cancelled

    # One rival by hand, on one chain (no loop): prepare, choose, take, settle.
    rival = Rival(policy, index=0, chain=chain, rpc=rpc, relay=relay_client_or_none)
    await rival.prepare()
    sight = ChainSight(chain, rpc)
    chosen = rival.choose(await sight.look(head))
    sent = await rival.take(chosen, head)             # RivalSend (tx hash, target block)
    await rival.settle(sent)                          # "won" | "reverted" | "missed"

Presets (`PRESETS`): "fast-greedy" (0–5 ms, 20–60 gwei tip), "slow" (200–500 ms, 0.5–2 gwei),
"relay" (20–80 ms, bundles bribing 20–60% of the profit where the chain has a relay).
"""

from omniarb.devnet.rivals.params import MAX_RIVALS, RivalsParams
from omniarb.devnet.rivals.policy import PRESETS, Channel, PresetRange, RivalPolicy, draw_policy
from omniarb.devnet.rivals.rival import Rival, RivalSend, SendResult
from omniarb.devnet.rivals.runner import RivalRecord, Rivals, run_rivals
from omniarb.devnet.rivals.sight import ChainSight, flash_swap_route
from omniarb.devnet.rivals.snapshot import RivalsSnapshot, RivalStats

__all__ = [
    "MAX_RIVALS",
    "PRESETS",
    "ChainSight",
    "Channel",
    "PresetRange",
    "Rival",
    "RivalPolicy",
    "RivalRecord",
    "RivalSend",
    "RivalStats",
    "Rivals",
    "RivalsParams",
    "RivalsSnapshot",
    "SendResult",
    "draw_policy",
    "flash_swap_route",
    "run_rivals",
]

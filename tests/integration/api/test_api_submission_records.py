"""Each trade's source, trigger transaction, channel, bundle hash and bribe through the API,
over a real history (SQLite and PostgreSQL): `/trades` serves what was stored, the live
`trade` body carries the same, and `/pnl` sums backruns, channels and bribes per chain."""

from __future__ import annotations

import httpx
from _api_server import AUTH, serving
from _api_values import (
    BUNDLE_HASH,
    TOKENS,
    TRIGGER_TX,
    opportunity,
    sent_via,
)

from omniarb.api import ApiState, LiveHub
from omniarb.api.schemas import PnlBody, TradeItem
from omniarb.api.views import trade_from_outcome
from omniarb.store import HistoryStore
from omniarb.types import SubmitChannel

# Past 2**64, so only an exact decimal string carries it.
BRIBE_PAID = 2**65 + 3
BRIBE_OFFERED = 2**65 + 99


async def test_trades_and_pnl_carry_source_channel_and_bribe(db_url: str) -> None:
    backrun = sent_via(
        opportunity(0),
        n=0,
        channel=SubmitChannel.BUNDLE,
        backrun_of=TRIGGER_TX,
        bribe_offered_wei=BRIBE_OFFERED,
        bribe_paid_wei=BRIBE_PAID,
    )
    block = sent_via(opportunity(1), n=1, channel=SubmitChannel.BUNDLE, bribe_paid_wei=7)
    arbitrum = sent_via(opportunity(2, chain_id=42161), n=2, channel=SubmitChannel.SEQUENCER)
    store = HistoryStore.open(db_url)
    try:
        for token in TOKENS:
            await store.record(token)
        for settled in (backrun, block, arbitrum):
            await store.record(settled)
        await store.flush()
        state = ApiState(history=store.database, hub=LiveHub())
        async with (
            serving(state) as server,
            httpx.AsyncClient(base_url=server.url, headers=AUTH) as client,
        ):
            trades = {
                t.opportunity_id: t
                for t in (TradeItem.model_validate(x) for x in (await client.get("/trades")).json())
            }
            pnl = PnlBody.model_validate((await client.get("/pnl")).json())
    finally:
        await store.close()
    served = trades[backrun.execution.decision.opportunity.id]
    assert (served.source, served.trigger_tx) == ("mempool", TRIGGER_TX)
    assert (served.channel, served.bundle_hash) == ("bundle", BUNDLE_HASH)
    assert (served.bribe_wei, served.bribe_paid_wei) == (str(BRIBE_OFFERED), str(BRIBE_PAID))
    # The live body of the same trade says the same.
    live = trade_from_outcome(backrun)
    fields = ("source", "trigger_tx", "channel", "bundle_hash", "bribe_wei", "bribe_paid_wei")
    assert {f: getattr(live, f) for f in fields} == {f: getattr(served, f) for f in fields}
    from_block = trades[block.execution.decision.opportunity.id]
    assert (from_block.source, from_block.trigger_tx, from_block.bribe_paid_wei) == (
        "block",
        None,
        "7",
    )
    assert trades[arbitrum.execution.decision.opportunity.id].channel == "sequencer"
    chains = {c.chain: c for c in pnl.chains}
    assert chains["ethereum"].sources == {"mempool": 1, "block": 1}
    assert chains["ethereum"].backruns == 1
    assert chains["ethereum"].channels == {"bundle": 2}
    assert chains["ethereum"].bribe_paid_wei == str(BRIBE_PAID + 7)
    assert (chains["arbitrum"].backruns, chains["arbitrum"].bribe_paid_wei) == (0, "0")
    assert chains["arbitrum"].channels == {"sequencer": 1}

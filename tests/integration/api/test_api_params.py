"""`GET /params` over a real history (SQLite and PostgreSQL): each chain's parameters as its
stages read them now, the change under measurement, and the stored changes newest first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from _api_server import AUTH, serving

from omniarb.api import ApiState, LiveHub
from omniarb.api.params import ParamsBody
from omniarb.api.state import LiveFigures
from omniarb.config import OptimizeSettings, ParamBounds
from omniarb.optimize import ParamChange, Params, Sample
from omniarb.optimize.setup import chain_optimizer
from omniarb.store import HistoryStore

AT = datetime(2026, 12, 6, 14, tzinfo=UTC)


def _change(n: int, *, chain: str, param: str, old: int, new: int) -> ParamChange:
    return ParamChange(
        id=f"c{n}",
        chain=chain,
        param=param,  # type: ignore[arg-type]
        old_value=old,
        new_value=new,
        reason="explore",
        baseline_reward_usd=1.5,
        baseline_samples=2,
        changed_at=AT + timedelta(minutes=n),
        effect_reward_usd=-0.5,
        effect_samples=2,
        evaluated_at=AT + timedelta(minutes=n, seconds=30),
        reverted=True,
    )


async def test_params_serves_the_live_values_and_the_stored_changes(db_url: str) -> None:
    settings = OptimizeSettings(
        online=True,
        min_samples=1,
        bounds={"bribe_share_bps": ParamBounds(min=1000, max=3000, step=1000)},
    )
    ethereum = chain_optimizer("ethereum", Params(bribe_share_bps=1_000), settings, bundles=True)
    base = chain_optimizer("base", Params(tip_wei=3 * 10**18), settings, bundles=False)
    assert ethereum.tuner is not None
    # One trade at 1,000 bps: the tuner moves to 2,000 and measures it.
    (made,) = ethereum.tuner.observe_sample(Sample(params=ethereum.live.current, reward_usd=1.0))
    store = HistoryStore.open(db_url)
    try:
        await store.record(made)
        await store.record(_change(5, chain="base", param="tip_wei", old=0, new=2**60))
        await store.flush()
        state = ApiState(
            history=store.database,
            hub=LiveHub(),
            live=lambda: LiveFigures(chains=[], params=[ethereum, base]),
        )
        async with (
            serving(state) as server,
            httpx.AsyncClient(base_url=server.url, headers=AUTH) as client,
        ):
            body = ParamsBody.model_validate((await client.get("/params")).json())
            only_base = ParamsBody.model_validate(
                (await client.get("/params", params={"chain": "base"})).json()
            )
    finally:
        await store.close()
    eth, on_base = body.chains
    assert (eth.chain, eth.online, eth.tuned) == ("ethereum", True, ["bribe_share_bps"])
    assert eth.params.bribe_share_bps == 2_000
    assert eth.pending is not None
    assert (eth.pending.id, eth.pending.old_value, eth.pending.new_value) == (made.id, 1000, 2000)
    assert eth.pending.effect_reward_usd is None
    # Base sends no bundles: nothing of its tuned, its tip served as a decimal string.
    assert (on_base.online, on_base.tuned, on_base.params.tip_wei) == (False, [], str(3 * 10**18))
    # Newest first: the tuner's change was made now, the tip's at 14:05.
    assert [c.id for c in body.history] == [made.id, "c5"]
    tip = body.history[1]
    assert (tip.new_value, tip.reverted, tip.effect_reward_usd) == (str(2**60), True, -0.5)
    assert [c.chain for c in only_base.chains] == ["base"]
    assert [c.id for c in only_base.history] == ["c5"]

"""The trainer's rounds: at once, then on its period; a failing round is counted, not fatal."""

from __future__ import annotations

import asyncio

from _waits import eventually

from omniarb.cluster.trainer_role import TrainerMetrics, TrainingRound, run_trainer


async def test_rounds_on_the_period_until_stopped() -> None:
    stop = asyncio.Event()
    calls: list[int] = []

    def train() -> TrainingRound:
        calls.append(len(calls))
        if len(calls) == 2:
            raise RuntimeError("the model store is unreachable")
        model = "m1" if len(calls) == 3 else None
        return TrainingRound(model_id=model, rows=len(calls) * 10, reason="too few", took_s=0.1)

    metrics = TrainerMetrics()
    trainer = asyncio.create_task(run_trainer(train, stop=stop, every_s=0.05, metrics=metrics))

    async def four() -> bool:
        return len(calls) >= 4

    await eventually(four, what="four training rounds", timeout_s=30)
    stop.set()
    rounds = await asyncio.wait_for(trainer, timeout=30)
    assert rounds == len(calls)
    text = metrics.render().decode()
    assert 'omniarb_trainer_rounds_total{result="saved"} 1.0' in text
    assert 'omniarb_trainer_rounds_total{result="failed"} 1.0' in text
    skipped = rounds - 2
    assert f'omniarb_trainer_rounds_total{{result="skipped"}} {float(skipped)}' in text
    assert f"omniarb_trainer_rows {float(rounds * 10)}" in text

"""The block lag the engine reports: the newest head the state stage has synced minus the
block being decided (it was the same number twice, so always 0)."""

from __future__ import annotations

from test_monitor_metrics import sample

from omniarb.monitor import AlertManager, Metrics, Monitor
from omniarb.monitor.alert_sinks import LogSink
from omniarb.telemetry import Telemetry
from omniarb.types import PoolUpdate


def test_the_lag_is_the_synced_head_minus_the_block_decided() -> None:
    metrics = Metrics()
    monitor = Monitor(metrics=metrics, alerts=AlertManager(sinks=[LogSink()]), rules=None)
    telemetry = Telemetry(monitor=monitor)
    update = PoolUpdate(
        chain_id=56, block_number=117, block_hash="0x" + "11" * 32, base_fee_wei=0, pools=()
    )
    telemetry.update("bnb", update, queue_depth=3, head_block=120)
    assert sample(metrics, "omniarb_block_lag_blocks", chain="bnb") == 3
    assert sample(metrics, "omniarb_head_block", chain="bnb") == 120

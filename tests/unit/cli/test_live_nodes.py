"""The terminal view says which chain is down: each chain's line shows its node as the liveness
probe last saw it (up with the pipeline's lag, or DOWN)."""

from __future__ import annotations

import io

from rich.console import Console

from omniarb.chains.liveness import NodeStatus
from omniarb.cli._live import LiveView
from omniarb.track import ChainBotStats


def _status(chain: str, *, up: bool, head: int | None) -> NodeStatus:
    return NodeStatus(
        chain=chain,
        up=up,
        head_block=head,
        latency_ms=1.0 if up else None,
        down_for_s=0.0 if up else 12.0,
        error=None if up else "no answer within 2 s",
        changed=False,
        endpoints=(),
    )


def test_each_chain_line_says_whether_its_node_is_up() -> None:
    up = ChainBotStats(chain="ethereum", chain_id=1)
    up.on_block(100, pools=3, cycles=2)
    up.on_node(_status("ethereum", up=True, head=102))
    down = ChainBotStats(chain="polygon", chain_id=137)
    down.on_block(50, pools=3, cycles=2)
    down.on_node(_status("polygon", up=True, head=50))
    down.on_node(_status("polygon", up=False, head=None))
    unknown = ChainBotStats(chain="bnb", chain_id=56)
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=300)
    with LiveView(console, "test") as view:
        view.update(bots=[up, down, unknown], final=True)
    lines = {line.split()[0]: line for line in out.getvalue().splitlines()}
    assert "node up, lag 2 " in lines["ethereum"]
    assert "node DOWN " in lines["polygon"]
    assert "node - " in lines["bnb"]
    assert down.node_head == 50  # the last head it answered with stays known

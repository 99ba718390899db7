"""Stored block hashes: pruning to the history, forgetting replaced blocks, chain linkage, and
the fork point found without a node call when the head extends a block we hold."""

from __future__ import annotations

from omniarb.chain_events import NewHead
from omniarb.chains.rpc import RpcClient
from omniarb.state.block_hashes import BlockHashes


def h(number: int, branch: str = "a") -> str:
    return f"0x{branch * 4}{number:060x}"


def head(number: int, branch: str = "a", parent_branch: str | None = None) -> NewHead:
    return NewHead(
        chain_id=1,
        number=number,
        hash=h(number, branch),
        parent_hash=h(number - 1, parent_branch or branch),
        timestamp=0,
        base_fee_wei=0,
        logs_bloom=b"",
        received_ns=0,
    )


def hashes(history: int = 4) -> BlockHashes:
    # Never entered: these cases must not reach the node.
    return BlockHashes(rpc=RpcClient("http://127.0.0.1:9"), chain_id=1, history_blocks=history)


def test_advance_keeps_only_the_history() -> None:
    store = hashes(history=4)
    store.reset(10, h(10))
    store.advance({n: h(n) for n in range(11, 17)})
    assert [store.get(n) for n in range(10, 17)] == [None] * 3 + [h(n) for n in range(13, 17)]


def test_a_fork_forgets_the_replaced_blocks() -> None:
    store = hashes(history=10)
    store.advance({n: h(n) for n in range(1, 8)})
    store.advance({6: h(6, "b")}, fork=5)
    assert store.get(5) == h(5)
    assert store.get(6) == h(6, "b")
    assert store.get(7) is None


def test_linked_checks_parents_and_the_start_on_our_block() -> None:
    store = hashes(history=10)
    store.advance({n: h(n) for n in range(1, 6)})
    assert store.linked(5, 2, [head(6), head(7), head(8)])
    assert not store.linked(5, 2, [head(6, "b", "b"), head(7, "b"), head(8, "b")])
    assert not store.linked(5, 2, [head(6), head(7, "b", "c"), head(8, "b")])
    # A tail that does not reach back to the fork cannot be checked against it.
    assert store.linked(5, 5, [head(9, "b", "b"), head(10, "b"), head(11, "b")])


async def test_fork_point_without_a_node_call_when_the_parent_is_ours() -> None:
    store = hashes(history=10)
    store.advance({n: h(n) for n in range(1, 8)})
    # anvil_rollback: the new block 7 builds on our block 6.
    assert await store.fork_point(head(7, "b", parent_branch="a"), our_head=7) == 6
    assert await store.fork_point(head(8), our_head=7) == 7

"""`NonceBook`: nonces are handed out once, lowest free first, and resyncs never lose one.

The stateful test drives the book against a model of the node: a transaction counts only once
every lower nonce was sent (the node's pending count is the length of that contiguous run), and
checks after every step that each nonce from the synced count up to `next_nonce` is exactly one
of reserved, released or sent, and that no reserved nonce was already sent.
"""

from __future__ import annotations

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from omniarb.execute.nonces import NonceBook


def test_reserve_counts_up_from_the_pending_count() -> None:
    book = NonceBook(7)
    assert [book.reserve() for _ in range(3)] == [7, 8, 9]
    assert book.next_nonce == 10


def test_a_released_nonce_is_handed_out_next() -> None:
    book = NonceBook(0)
    first, second, third = book.reserve(), book.reserve(), book.reserve()
    book.mark_sent(first)
    book.mark_sent(third)
    book.release(second)  # a gap at 1 until it is reused
    assert book.reserve() == second
    assert book.reserve() == 3


def test_release_at_the_top_shrinks_the_range() -> None:
    book = NonceBook(5)
    nonces = [book.reserve() for _ in range(3)]
    for nonce in reversed(nonces):
        book.release(nonce)
    assert book.next_nonce == 5
    assert book.released == frozenset()
    assert book.reserve() == 5


def test_releases_in_any_order_collapse() -> None:
    book = NonceBook(0)
    a, b, c = book.reserve(), book.reserve(), book.reserve()
    book.release(a)
    book.release(b)
    assert book.released == {0, 1}
    book.release(c)
    assert (book.next_nonce, book.released) == (0, frozenset())


def test_release_or_send_of_an_unreserved_nonce_is_refused() -> None:
    book = NonceBook(0)
    nonce = book.reserve()
    book.mark_sent(nonce)
    with pytest.raises(ValueError, match="not reserved"):
        book.release(nonce)
    with pytest.raises(ValueError, match="not reserved"):
        book.mark_sent(nonce)
    with pytest.raises(ValueError, match="not reserved"):
        book.release(99)


def test_sync_behind_the_node_skips_spent_nonces() -> None:
    """Another process (or a lost record) used nonces: "nonce too low", then resync."""
    book = NonceBook(3)
    held = book.reserve()  # 3, about to fail with "nonce too low"
    book.sync(6)
    book.release(held)  # below the node's count: spent, not reusable
    assert book.released == frozenset()
    assert book.reserve() == 6


def test_sync_frees_the_first_nonce_the_node_lacks() -> None:
    """The node dropped sent transactions: the first missing nonce is free again."""
    book = NonceBook(0)
    for _ in range(4):
        book.mark_sent(book.reserve())
    held = book.reserve()  # 4, still in flight
    book.sync(2)  # the node has 0 and 1; 3 may still sit in its queue
    assert book.released == {2}
    assert book.sent == {3}
    assert [book.reserve(), book.reserve()] == [2, 5]
    book.release(held)
    assert book.reserve() == held


def test_a_gap_of_ours_frees_nothing() -> None:
    """The node stops at a nonce we still hold: the sent ones above are in its queue."""
    book = NonceBook(0)
    first, second = book.reserve(), book.reserve()
    book.mark_sent(second)
    book.sync(0)
    assert (book.released, book.sent) == (frozenset(), {second})
    book.mark_sent(first)
    assert book.reserve() == 2


def test_a_node_that_went_back_is_repaired_from_its_count() -> None:
    book = NonceBook(0)
    for _ in range(3):
        book.mark_sent(book.reserve())
    book.sync(3)
    book.sync(1)  # a reorg undid nonces 1 and 2
    assert (book.released, book.sent) == ({1}, {2})
    assert book.reserve() == 1


def test_a_send_during_the_read_counts_as_spent() -> None:
    """The node's answer may predate a send that happened while it was being read."""
    book = NonceBook(0)
    nonce = book.reserve()
    book.begin_sync()
    book.mark_sent(nonce)
    book.sync(0)  # stale answer: the node had not seen nonce 0 yet
    assert book.reserve() == 1


def test_an_aborted_sync_keeps_the_book() -> None:
    book = NonceBook(0)
    book.reserve()
    book.release(book.reserve())
    book.begin_sync()
    book.abort_sync()
    assert (book.next_nonce, book.reserved) == (1, frozenset({0}))


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        NonceBook(-1)
    with pytest.raises(ValueError, match=">= 0"):
        NonceBook(0).sync(-1)


class NonceBookAgainstNode(RuleBasedStateMachine):
    """Random reserve / release / send / resync / node-loss sequences against a model node."""

    def __init__(self) -> None:
        super().__init__()
        self.book = NonceBook(0)
        self.node: set[int] = set()  # nonces the node holds a transaction for

    def node_count(self) -> int:
        """The node's pending count: the first nonce it holds nothing for."""
        count = 0
        while count in self.node:
            count += 1
        return count

    @rule()
    def reserve(self) -> None:
        nonce = self.book.reserve()
        assert nonce not in self.node, f"nonce {nonce} handed out while the node holds it"

    @precondition(lambda self: self.book.reserved)
    @rule(data=st.data())
    def release(self, data: st.DataObject) -> None:
        self.book.release(data.draw(st.sampled_from(sorted(self.book.reserved))))

    @precondition(lambda self: self.book.reserved)
    @rule(data=st.data())
    def send(self, data: st.DataObject) -> None:
        nonce = data.draw(st.sampled_from(sorted(self.book.reserved)))
        if nonce in self.node:  # the node refuses ("nonce too low" / "replacement")
            self.book.release(nonce)
        else:
            self.book.mark_sent(nonce)
            self.node.add(nonce)

    @rule()
    def resync(self) -> None:
        self.book.sync(self.node_count())

    @rule(data=st.data())
    def node_loses_a_transaction(self, data: st.DataObject) -> None:
        """An unmined transaction leaves the node's pool (evicted, node restarted)."""
        mined = self.node_count() // 2  # pretend the lower half is mined: those never vanish
        unmined = sorted(n for n in self.node if n >= mined)
        if unmined:
            self.node.discard(data.draw(st.sampled_from(unmined)))

    @invariant()
    def every_nonce_has_one_state(self) -> None:
        floor, top = self.book.synced_count, self.book.next_nonce
        reserved, released, sent = self.book.reserved, self.book.released, self.book.sent
        assert not reserved & released
        assert not reserved & sent
        assert not released & sent
        assert reserved | released | sent >= set(range(floor, top)), "a nonce was lost"
        assert all(floor <= n < top for n in released | sent)
        assert not released & self.node, "a nonce the node holds is marked free"

    def teardown(self) -> None:
        """Liveness: sending the remaining reservations and resyncing closes every gap."""
        for nonce in sorted(self.book.reserved):
            self.send_nonce(nonce)
        for _ in range(self.book.next_nonce - self.book.synced_count + 2):
            self.book.sync(self.node_count())
            if self.node_count() >= self.book.next_nonce:
                break
            self.send_nonce(self.book.reserve())
        assert self.node_count() >= self.book.next_nonce, "a gap was never filled"

    def send_nonce(self, nonce: int) -> None:
        self.book.mark_sent(nonce)
        self.node.add(nonce)


NonceBookAgainstNode.TestCase.settings = settings(
    max_examples=200, stateful_step_count=40, deadline=None
)
test_nonce_book_against_node = NonceBookAgainstNode.TestCase


def test_nonces_a_reorg_dropped_are_handed_out_again_lowest_first() -> None:
    book = NonceBook(5)
    sent = [book.reserve() for _ in range(4)]  # 5..8
    for nonce in sent:
        book.mark_sent(nonce)
    book.lost(6)
    book.lost(7)
    assert [book.reserve(), book.reserve(), book.reserve()] == [6, 7, 9]


def test_a_lost_nonce_at_the_top_shrinks_the_range_and_unknown_ones_are_ignored() -> None:
    book = NonceBook(0)
    nonces = [book.reserve() for _ in range(3)]
    for nonce in nonces:
        book.mark_sent(nonce)
    book.lost(2)
    book.lost(17)  # never sent: nothing to free
    assert book.next_nonce == 2
    assert book.released == frozenset()
    assert book.reserve() == 2

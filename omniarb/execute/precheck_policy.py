"""When a trade also gets the node's `eth_call` pre-check, beside the local simulation.

    policy = PrecheckPolicy(mode="unproven", audit_rate=Fraction(1, 20))
    if policy.remote_needed(route): ...        # before the send, on the hot path
    elif policy.audit_due(): ...               # after the send, off it
    policy.on_outcome(outcome)                 # each settled trade teaches the ledger

The local simulation predicts a trade to the wei from exact math, which holds for tokens that
behave like plain ERC-20s. A token that charges a fee on transfer, rebases or blocks some
senders does not, and only the node can tell: under "unproven" the remote pre-check runs for a
route through any token that no trade of this run has proven yet (a successful trade whose
realized profit equalled the prediction) and for one flagged since (a trade that reverted or
realized another profit than predicted, with no transaction on its pools since its decision to
explain it, or an audit that disagreed with the local prediction). A flag stays for the run.
The ledger starts from what the history's trades proved and flagged (`TokenTrust.remember`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from omniarb._config_execute import RemotePrecheckMode
from omniarb.types import Outcome, Route

__all__ = ["AuditSampler", "PrecheckCounters", "PrecheckPolicy", "TokenTrust"]


class TokenTrust:
    """The tokens proven to behave and those flagged, by lowercase address."""

    def __init__(self) -> None:
        self._proven: set[str] = set()
        self._flagged: set[str] = set()

    def trusted(self, route: Route) -> bool:
        """Whether every token of `route` is proven and none flagged."""
        for hop in route.hops:
            token = hop.token_in.lower()
            if token not in self._proven or token in self._flagged:
                return False
        return True

    def prove(self, route: Route) -> None:
        self._proven.update(hop.token_in.lower() for hop in route.hops)

    def flag(self, route: Route) -> None:
        self._flagged.update(hop.token_in.lower() for hop in route.hops)

    def remember(self, *, proven: Iterable[str], flagged: Iterable[str]) -> None:
        """Take what earlier runs' trades proved and flagged (addresses, any case)."""
        self._proven.update(token.lower() for token in proven)
        self._flagged.update(token.lower() for token in flagged)

    def is_flagged(self, token: str) -> bool:
        return token.lower() in self._flagged

    def is_proven(self, token: str) -> bool:
        return token.lower() in self._proven and token.lower() not in self._flagged


class AuditSampler:
    """Picks `rate` of the trades it is asked about, deterministically: the trade that brings
    the running sum of `rate` to the next whole number (rate 1/20: the 20th, 40th, ...)."""

    def __init__(self, rate: Fraction) -> None:
        if not 0 <= rate <= 1:
            raise ValueError(f"an audit rate is a fraction from 0 to 1, not {rate}")
        self._rate = rate
        self._sum = Fraction(0)

    def due(self) -> bool:
        self._sum += self._rate
        if self._sum >= 1:
            self._sum -= 1
            return True
        return False


@dataclass(slots=True)
class PrecheckCounters:
    """What the policy decided: trades checked by the node before the send (`remote`), sent on
    the local simulation alone (`local_only`), audited after the send, and audits that
    disagreed with the local prediction."""

    remote: int = 0
    local_only: int = 0
    audited: int = 0
    audit_mismatches: int = 0


class PrecheckPolicy:
    """The `[execute]` pre-check policy of one chain; see the module docstring."""

    def __init__(self, *, mode: RemotePrecheckMode, audit_rate: Fraction) -> None:
        self.mode = mode
        self.trust = TokenTrust()
        self.counters = PrecheckCounters()
        self._sampler = AuditSampler(audit_rate)

    def remote_needed(self, route: Route) -> bool:
        """Whether the trade through `route` gets the `eth_call` before it is sent (counted)."""
        needed = self.mode == "always" or (
            self.mode == "unproven" and not self.trust.trusted(route)
        )
        if needed:
            self.counters.remote += 1
        else:
            self.counters.local_only += 1
        return needed

    def audit_due(self) -> bool:
        """Whether a trade sent without the remote pre-check is audited after the send."""
        due = self._sampler.due()
        self.counters.audited += due
        return due

    def audit_disagreed(self, route: Route) -> None:
        self.counters.audit_mismatches += 1
        self.trust.flag(route)

    def on_outcome(self, outcome: Outcome) -> None:
        """Learn from a settled trade: prove its tokens, or flag them (module docstring)."""
        if not outcome.included or outcome.cancelled:
            return  # it did not run: it says nothing of its tokens
        decision = outcome.execution.decision
        route = decision.opportunity.route
        if outcome.success and outcome.realized_profit == decision.expected_profit:
            self.trust.prove(route)
        elif not outcome.touched_earlier_in_block:
            # A revert or another profit that no transaction before it on its pools explains.
            self.trust.flag(route)

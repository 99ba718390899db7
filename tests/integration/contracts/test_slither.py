"""slither finds nothing in the executor's contracts (contracts/executor), through the Foundry
project, with the committed slither.config.json. Every detector that config excludes has its
reason here (JSON has no comments) and in the README's "Fuzzing and contract checks"; single
findings judged false positives are suppressed in the contract with a `slither-disable-next-line`
and a comment.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from _foundry import run_tool, tail

from omniarb.paths import project_root

pytestmark = pytest.mark.xdist_group("foundry")

SLITHER = Path(sys.executable).parent / "slither"
CONFIG = project_root() / "slither.config.json"

EXCLUDED_DETECTORS = {
    # Informational. The executor decodes its packed plan from calldata and builds its pool
    # calls in inline assembly on purpose (gas per trade); every block is `memory-safe`, and
    # the fuzz tests and the devnet tests run them.
    "assembly": "deliberate inline assembly for the plan decoding and pool calls",
    # Informational. The one Solidity low-level call is withdrawNative's `to.call{value}`: the
    # only way to pay native coin to a contract owner (a Safe) without a 2,300-gas stipend;
    # its result is checked.
    "low-level-calls": "withdrawNative's checked value call",
    # Low. Every flagged loop is the route's hops: one trade is atomic by design, so any hop
    # reverting must revert the whole trade (there is no "DoS" of other users to avoid).
    "calls-loop": "a route's hops are external calls in a loop, atomic by design",
    # Informational. `_runHops` dispatches on the hop kinds (V2, V3/Algebra, V4, Balancer,
    # native-coin sides); it is the hot path, kept in one function to save gas.
    "cyclomatic-complexity": "the hop-kind dispatch of _runHops",
    # Low. Every write slither sees after an external call is the transient (EIP-1153) callback
    # lock's release (`_callbackFrom`, `_manager`) or the profit `_settle` records inside the
    # lender's callback; the lock is what refuses reentry (every callback requires msg.sender
    # == _callbackFrom), which the fuzz and invariant tests exercise.
    "reentrancy-benign": "transient callback-lock releases and the profit record",
    # Medium in general; here it only sees (a) internal library decoders (PlanCalldata, whose
    # callers read some fields of the header tuple on purpose — slither counts library calls
    # as high-level calls) and (b) PoolManager.unlock, whose return value is our own
    # unlockCallback's empty bytes. Token transfers and approvals are checked in PoolOps's
    # assembly, which this detector cannot see at all.
    "unused-return": "partial reads of PlanCalldata's tuples; unlock returns our own empty bytes",
}


def test_every_excluded_detector_has_a_reason() -> None:
    config = json.loads(CONFIG.read_text())
    excluded = set(config["detectors_to_exclude"].split(","))
    assert excluded == set(EXCLUDED_DETECTORS)
    readme = (project_root() / "README.md").read_text()
    section = readme.split("### Fuzzing and contract checks", 1)[1].split("\n## ", 1)[0]
    for detector in excluded:
        assert f"`{detector}`" in section, f"the README's contract checks do not explain {detector}"


def test_slither_finds_nothing_in_the_executor(tmp_path: Path) -> None:
    assert SLITHER.is_file(), f"slither not found at {SLITHER}: run `make setup`"
    # The report goes to a file, so slither's own output stays on stdout/stderr, where a
    # failure shows it (a report on stdout captures the console, and a crash left neither).
    report_path = tmp_path / "slither.json"
    done = run_tool(
        [SLITHER, ".", "--config-file", CONFIG, "--json", report_path, "--json-types", "detectors"]
    )
    report = json.loads(report_path.read_text()) if report_path.is_file() else {}
    results = report.get("results") or {}
    findings = results.get("detectors", [])
    summary = "\n".join(f"[{f['check']}] {f['description'].strip()}" for f in findings)
    console = done.stderr
    failure = (
        f"slither exit {done.returncode}:\n{summary}\n{report.get('error')}\n"
        f"stdout:\n{tail(done.stdout)}\nstderr:\n{tail(done.stderr)}"
    )
    assert done.returncode == 0, failure
    assert report.get("success"), failure
    assert not findings, summary
    # It did analyze the executor's contracts (OmniArbExecutor, its four libraries and the
    # lenders' interfaces), not an empty project.
    analyzed = re.search(r"analyzed \((\d+) contracts", console)
    assert analyzed, console
    assert int(analyzed.group(1)) >= 5, console

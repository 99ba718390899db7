"""The executor's (and the devnet canonical bridge's) Foundry fuzz and invariant tests
(contracts/test/*.t.sol) pass under `forge test`, offline, with the budgets foundry.toml sets:
256 runs per fuzz test, 64 runs × 50 calls per invariant. The suites trade through Uniswap
V2's own bytecode from npm.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from _foundry import FORGE, run_tool, tail

pytestmark = pytest.mark.xdist_group("foundry")

FUZZ_RUNS = 256
INVARIANT_RUNS = 64
INVARIANT_CALLS = INVARIANT_RUNS * 50

# Every test the suites must hold: a suite that lost one (renamed, filtered) fails here.
EXPECTED_FUZZ = {
    "testFuzz_flashMinProfitAboveProfitReverts",
    "testFuzz_flashMinProfitWithinProfitTrades",
    "testFuzz_inventoryMinProfitAboveProfitReverts",
    "testFuzz_lateTradeRevertsExpired",
    "testFuzz_bribeAboveAllOfTheProfitReverts",
    "testFuzz_strangerCannotExecute",
    "testFuzz_strangerCannotTradeAProfitablePlan",
    "testFuzz_revokedExecutorCannotExecute",
    "testFuzz_adminFunctionsRevertForNonOwner",
    "testFuzz_onlyPendingOwnerAccepts",
    "testFuzz_callbacksRefuseStrangers",
    # The devnet canonical bridge (contracts/test/DevCanonicalBridge.t.sol).
    "testFuzz_depositLocksTheAmountAndTakesTheNextNonce",
    "testFuzz_onlyTheMessengerFinalizesOnce",
}
EXPECTED_INVARIANTS = {
    "invariant_balancesOnlyDecreaseThroughOwnerWithdrawals",
    "invariant_restrictedCallsOnlySucceedForTheirCallers",
    "invariant_ownerChangesOnlyThroughTransferAndAccept",
    "invariant_noUnauthorizedExecutor",
}


def _failures(results: dict[str, dict[str, Any]]) -> str:
    lines = []
    for name, result in results.items():
        if result["status"] != "Success":
            lines.append(
                f"{name}: {result.get('reason')} counterexample={result.get('counterexample')}"
            )
    return "\n".join(lines)


def test_forge_fuzz_and_invariant_suites_pass() -> None:
    done = run_tool([FORGE, "test", "--offline", "--json"])
    # forge prints the JSON report on stdout even when tests fail; compiler errors go to stderr.
    assert done.stdout.strip(), (
        f"forge test printed no report (exit {done.returncode}):\n{tail(done.stderr)}"
    )
    report: dict[str, dict[str, Any]] = json.loads(done.stdout)
    results = {
        name.split("(")[0]: result
        for suite in report.values()
        for name, result in suite["test_results"].items()
    }
    assert done.returncode == 0, f"forge test failed:\n{_failures(results)}\n{tail(done.stderr)}"
    assert not _failures(results)

    missing = (EXPECTED_FUZZ | EXPECTED_INVARIANTS) - results.keys()
    assert not missing, f"tests missing from the forge suites: {sorted(missing)}"
    for name in EXPECTED_FUZZ:
        assert results[name]["kind"]["Fuzz"]["runs"] == FUZZ_RUNS, name
    for name in EXPECTED_INVARIANTS:
        invariant = results[name]["kind"]["Invariant"]
        assert (invariant["runs"], invariant["calls"]) == (INVARIANT_RUNS, INVARIANT_CALLS), name

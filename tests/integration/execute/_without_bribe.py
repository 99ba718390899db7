"""The executor as it was before the bribe: today's sources with `executeAndPayCoinbase`'s body
cut out (a stub that reverts keeps its selector) and `execute` external again, compiled with the
project's pinned solc and settings.

Its runtime code stands in for the earlier build, so a test can run the same trade through both
(`anvil_setCode` at the same address, the same storage) and prove that the bribed entry's code
changed no gas of any trade that does not bribe: not `execute`'s, not a callback's. The stub
keeps the selector set, and so the dispatcher's search tree, the same in both builds: which
selectors a contract has moves each function's dispatch cost by a few tens of gas either way
(with the selectors of issue #19's executor, cutting the entry out whole made the V3 flash
callback 22 gas cheaper and the V4 manager's 65 dearer), which says nothing of the entry's code.
"""

from __future__ import annotations

from omniarb.contracts.build import SOLC_SETTINGS, run_solc
from omniarb.paths import project_root

_EXECUTOR = "executor/OmniArbExecutor.sol"
_BRIBED_ENTRY = "    function executeAndPayCoinbase("
_PUBLIC_EXECUTE = "function execute(bytes calldata plan) public returns"
# The same selector, no code: always reverts.
_STUB = """    function executeAndPayCoinbase(bytes calldata, uint256) external pure {
        revert();
    }
"""


def runtime_without_bribe() -> str:
    """The runtime bytecode (0x hex) of the executor without its bribed entry."""
    root = project_root() / "contracts"
    sources = {
        path.relative_to(root).as_posix(): path.read_text()
        for path in sorted((root / "executor").glob("*.sol"))
    }
    text = sources[_EXECUTOR]
    start = text.index(_BRIBED_ENTRY)
    # The function's doc comment above it, and its body up to its closing brace.
    doc = text.rindex("\n\n", 0, start) + 1
    end = text.index("\n    }\n", start) + len("\n    }\n")
    assert _PUBLIC_EXECUTE in text
    text = text[:doc] + _STUB + text[end:]
    external = _PUBLIC_EXECUTE.replace("public", "external")
    sources[_EXECUTOR] = text.replace(_PUBLIC_EXECUTE, external)
    _, output = run_solc("solc", sources, SOLC_SETTINGS)
    compiled = output["contracts"][_EXECUTOR]["OmniArbExecutor"]
    (stub,) = [entry for entry in compiled["abi"] if entry.get("name") == "executeAndPayCoinbase"]
    assert not stub["outputs"]
    return "0x" + compiled["evm"]["deployedBytecode"]["object"]

"""Compile `contracts/**/*.sol` with the pinned solc-js into `build/contracts/<Name>.json`, all
but the forge tests in `contracts/test/`.

Run at set-up by the Makefile (`python -m omniarb.contracts.build --out build/contracts`). The
input is assembled deterministically (sorted paths, fixed settings) so the same sources always
give byte-identical artifacts; a test rebuilds into a temporary folder and compares.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

from omniarb.errors import FatalError
from omniarb.paths import node_modules, project_root

__all__ = ["SOLC_SETTINGS", "compile_sources", "main", "run_solc", "write_artifacts"]

log = logging.getLogger(__name__)

SOLC_SETTINGS: dict[str, Any] = {
    "optimizer": {"enabled": True, "runs": 1_000_000},
    "evmVersion": "cancun",
    "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]}},
}

# solc-js's compile() speaks the same standard-JSON as native solc; node is only the host.
_NODE_COMPILE = """
const solc = require(process.argv[1]);
let input = '';
process.stdin.on('data', (c) => { input += c; });
process.stdin.on('end', () => {
  const output = JSON.parse(solc.compile(input));
  process.stdout.write(JSON.stringify({version: solc.version(), output}));
});
"""


# Below `contracts/`, but not deployed: Foundry's fuzz and invariant tests (they import
# forge-std, which only forge resolves; foundry.toml).
FORGE_TESTS_DIR = "test"


def compile_sources(sources_root: Path) -> tuple[str, dict[str, Any]]:
    """Compile every `.sol` file below `sources_root` but the forge tests' (`test/`); return
    (solc version, standard JSON)."""
    files = sorted(
        f
        for f in sources_root.rglob("*.sol")
        if f.relative_to(sources_root).parts[0] != FORGE_TESTS_DIR
    )
    sources = {f.relative_to(sources_root).as_posix(): f.read_text() for f in files}
    return run_solc("solc", sources, SOLC_SETTINGS)


def run_solc(
    package: str, sources: dict[str, str], settings: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """Compile `sources` (unit name -> text) with the solc-js of npm package `package` (`solc`,
    or an alias such as `solc-0.6.12`); return (solc version, standard JSON output)."""
    request = json.dumps(
        {
            "language": "Solidity",
            "sources": {name: {"content": text} for name, text in sorted(sources.items())},
            "settings": settings,
        }
    )
    solc_module = node_modules() / package
    if not solc_module.is_dir():
        raise FatalError(f"solc-js not found at {solc_module}; run `make setup` (npm ci) first")
    try:
        done = subprocess.run(
            ["node", "-e", _NODE_COMPILE, str(solc_module)],
            input=request,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        raise FatalError(f"solc-js failed to run: {exc}") from exc
    result = json.loads(done.stdout)
    output: dict[str, Any] = result["output"]
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise FatalError("solc: " + "\n".join(e["formattedMessage"] for e in errors))
    return str(result["version"]), output


def write_artifacts(out_dir: Path, sources_root: Path) -> list[Path]:
    """Compile and write one JSON artifact per contract; return the written paths."""
    version, output = compile_sources(sources_root)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for source, contracts in sorted(output.get("contracts", {}).items()):
        for name, compiled in sorted(contracts.items()):
            artifact = {
                "contractName": name,
                "sourceName": source,
                "compiler": f"solc-js {version}",
                "settings": SOLC_SETTINGS,
                "abi": compiled["abi"],
                "bytecode": "0x" + compiled["evm"]["bytecode"]["object"],
                "deployedBytecode": "0x" + compiled["evm"]["deployedBytecode"]["object"],
            }
            path = out_dir / f"{name}.json"
            path.write_text(json.dumps(artifact, indent=1, sort_keys=True) + "\n")
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=project_root() / "build" / "contracts")
    parser.add_argument("--sources", type=Path, default=project_root() / "contracts")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        written = write_artifacts(args.out, args.sources)
    except FatalError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    log.info("compiled %d contracts into %s", len(written), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Calldata built from a contract's real ABI (an npm or build artifact), as a wallet would: the
tests of the router decoders build what they decode with it, so a decoder's idea of a
function's types is checked against the artifact's, not against itself."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eth_abi import encode

from omniarb.chains.abi import selector
from omniarb.paths import build_dir, node_modules


def _type(item: dict[str, Any]) -> str:
    kind = str(item["type"])
    if kind.startswith("tuple"):
        return "(" + ",".join(_type(c) for c in item["components"]) + ")" + kind[len("tuple") :]
    return kind


class AbiCalls:
    """The functions of one artifact's ABI, by name (the first of overloaded names)."""

    def __init__(self, artifact: Path) -> None:
        self.functions: dict[str, dict[str, Any]] = {}
        for entry in json.loads(artifact.read_text())["abi"]:
            if entry.get("type") == "function":
                self.functions.setdefault(entry["name"], entry)

    @classmethod
    def npm(cls, path: str) -> AbiCalls:
        return cls(node_modules() / path)

    @classmethod
    def built(cls, name: str) -> AbiCalls:
        return cls(build_dir() / "contracts" / f"{name}.json")

    def types(self, name: str) -> list[str]:
        return [_type(item) for item in self.functions[name]["inputs"]]

    def call(self, name: str, *args: Any) -> bytes:
        """Calldata of `name` with `args`, as the ABI types them."""
        types = self.types(name)
        return selector(f"{name}({','.join(types)})") + encode(types, list(args))

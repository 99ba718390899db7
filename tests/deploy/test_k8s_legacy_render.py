"""The overlays render to the same objects with Debian bookworm's kubectl 1.20 (kustomize v2, the
`kubernetes-client` package `make setup` installs when no kubectl is present) as with the kubectl
on the PATH: the kustomization files keep to the syntax both read.

`make setup` unpacks that package into build/debian-kubectl; missing, it is a failure.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from _k8s import REGIONS, render_text

from omniarb.paths import build_dir

DEBIAN_KUBECTL = build_dir() / "debian-kubectl" / "root" / "usr" / "bin" / "kubectl"
# kustomize appends a hash of a generated ConfigMap's content to its name, and v2 hashes
# differently from v5: the same objects, other suffixes.
_HASHED = re.compile(r"\b(omniarb-(?:config|prometheus))-[a-z0-9]{10}\b")


def _objects(text: str) -> dict[tuple[str, str], Any]:
    objects = {}
    for obj in yaml.safe_load_all(_HASHED.sub(r"\1-HASH", text)):
        if obj:
            metadata = obj["metadata"]
            # v2 writes an empty `labels: {}` where v5 writes none.
            for key in ("labels", "annotations"):
                if metadata.get(key) == {}:
                    del metadata[key]
            objects[(obj["kind"], metadata["name"])] = obj
    return objects


@pytest.mark.parametrize("region", REGIONS)
def test_debian_kubectl_renders_the_same_objects(region: str) -> None:
    if not DEBIAN_KUBECTL.exists():
        pytest.fail(f"{DEBIAN_KUBECTL} not found: `make setup` unpacks Debian's kubernetes-client")
    current = _objects(render_text(region))
    legacy = _objects(render_text(region, str(DEBIAN_KUBECTL)))
    assert sorted(legacy) == sorted(current)
    for key, obj in current.items():
        assert legacy[key] == obj, key
    assert all(
        obj["metadata"].get("namespace") == "omniarb"
        for k, obj in legacy.items()
        if k[0] != "Namespace"
    )

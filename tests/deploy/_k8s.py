"""The deployment under deploy/ as the tests see it: each region's overlay rendered by the real
`kubectl kustomize`, and small readers over the rendered objects (pod specs, labels, the network
policies that select a pod).

`kubectl` comes from Debian's `kubernetes-client` (`make setup` installs it when missing);
missing, it is a failure, never a skip. Likewise checkov, from the tools virtualenv.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from omniarb.chains.spec import CHAINS
from omniarb.paths import project_root

__all__ = [
    "CHAIN_NAMES",
    "CHECKOV",
    "DEPLOY",
    "README",
    "REGIONS",
    "by_name",
    "checkov",
    "containers",
    "kubectl",
    "omniarb_workloads",
    "pod_spec",
    "pod_template_metadata",
    "policies_selecting",
    "render",
    "render_text",
]

DEPLOY = project_root() / "deploy"
README = project_root() / "README.md"
REGIONS = ("us-east-1", "eu-west-1", "ap-northeast-1")
CHAIN_NAMES = tuple(chain.name for chain in CHAINS)
CHECKOV = project_root() / ".venv-tools" / "bin" / "checkov"

Obj = dict[str, Any]


def kubectl() -> str:
    path = shutil.which("kubectl")
    if path is None:
        pytest.fail("kubectl not found: install Debian's kubernetes-client (make setup)")
    return path


def checkov() -> Path:
    if not CHECKOV.exists():
        pytest.fail(f"{CHECKOV} not found: `make setup` installs checkov in its own virtualenv")
    return CHECKOV


def render_text(region: str, kubectl_path: str | None = None) -> str:
    """`region`'s overlay as `kubectl kustomize` prints it (the PATH's kubectl by default)."""
    done = subprocess.run(
        [kubectl_path or kubectl(), "kustomize", str(DEPLOY / "k8s" / "overlays" / region)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def render(region: str) -> list[Obj]:
    """Every object of `region`'s overlay, as `kubectl kustomize` renders it."""
    return [obj for obj in yaml.safe_load_all(render_text(region)) if obj]


def by_name(objects: list[Obj], kind: str, name: str) -> Obj:
    """The one object of `kind` named `name`; a generated ConfigMap matches its name before the
    hash suffix kustomize appends."""
    found = [
        obj
        for obj in objects
        if obj["kind"] == kind
        and (
            obj["metadata"]["name"] == name
            or (kind == "ConfigMap" and obj["metadata"]["name"].rsplit("-", 1)[0] == name)
        )
    ]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} objects"
    return found[0]


def pod_template_metadata(obj: Obj) -> Obj:
    if obj["kind"] == "CronJob":
        return dict(obj["spec"]["jobTemplate"]["spec"]["template"]["metadata"])
    return dict(obj["spec"]["template"]["metadata"])


def pod_spec(obj: Obj) -> Obj:
    if obj["kind"] == "CronJob":
        return dict(obj["spec"]["jobTemplate"]["spec"]["template"]["spec"])
    return dict(obj["spec"]["template"]["spec"])


def containers(obj: Obj) -> list[Obj]:
    spec = pod_spec(obj)
    return [*spec.get("initContainers", []), *spec["containers"]]


def omniarb_workloads(objects: list[Obj]) -> Iterator[Obj]:
    """The Deployments and CronJobs that run the omniarb image."""
    for obj in objects:
        if obj["kind"] in ("Deployment", "CronJob") and any(
            "/omniarb@" in c["image"] for c in containers(obj)
        ):
            yield obj


def _selects(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    # The manifests select by matchLabels only; an expression would need evaluating here.
    assert set(selector) <= {"matchLabels"}, selector
    wanted = selector.get("matchLabels", {})
    return all(labels.get(key) == value for key, value in wanted.items())


def policies_selecting(objects: list[Obj], labels: Mapping[str, str], direction: str) -> list[Obj]:
    """The NetworkPolicies of the namespace that apply to a pod with `labels` in `direction`
    ("Ingress" or "Egress")."""
    return [
        obj
        for obj in objects
        if obj["kind"] == "NetworkPolicy"
        and direction in obj["spec"]["policyTypes"]
        and _selects(obj["spec"]["podSelector"], labels)
    ]

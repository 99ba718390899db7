"""The Prometheus scrape configuration the overlays ship: the ConfigMap carries deploy/prometheus's
files unchanged, `promtool` accepts the rules and the configuration, and the relabelling reads
annotations, labels and ports the omniarb pods really carry.

Debian's promtool is built without Kubernetes service discovery, so the configuration is checked
with its `kubernetes_sd_configs` swapped for a static target; the discovery block itself is
checked against the pods here.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from _k8s import (
    DEPLOY,
    REGIONS,
    by_name,
    containers,
    omniarb_workloads,
    pod_template_metadata,
    render,
)

Obj = dict[str, Any]
PROMETHEUS = DEPLOY / "prometheus"


def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.fail("promtool not found: install Debian's prometheus package")
    return path


@pytest.fixture(scope="module", params=REGIONS)
def objects(request: pytest.FixtureRequest) -> list[Obj]:
    return render(str(request.param))


def _meta_name(key: str) -> str:
    """A Kubernetes label or annotation key as Prometheus' discovery names it."""
    return "".join(c if c.isalnum() else "_" for c in key)


def test_the_config_map_carries_the_files_unchanged(objects: list[Obj]) -> None:
    data = by_name(objects, "ConfigMap", "omniarb-prometheus")["data"]
    assert data == {
        "prometheus.yml": (PROMETHEUS / "prometheus.yml").read_text(),
        "alerts.yml": (PROMETHEUS / "alerts.yml").read_text(),
        "cluster-alerts.yml": (PROMETHEUS / "cluster-alerts.yml").read_text(),
    }
    prometheus = by_name(objects, "Deployment", "omniarb-prometheus")
    (container,) = containers(prometheus)
    assert "--config.file=/etc/prometheus/prometheus.yml" in container["args"]


def test_promtool_accepts_the_rules_and_the_configuration(tmp_path: Path) -> None:
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    assert config["rule_files"] == ["alerts.yml", "cluster-alerts.yml"]
    for job in config["scrape_configs"]:
        assert [sd["role"] for sd in job.pop("kubernetes_sd_configs")] == ["pod"]
        job["static_configs"] = [{"targets": ["127.0.0.1:9464"]}]
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    for rules in config["rule_files"]:
        shutil.copy(PROMETHEUS / rules, tmp_path / rules)
    done = subprocess.run(
        [promtool(), "check", "config", str(tmp_path / "prometheus.yml")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout + done.stderr


def test_the_relabelling_reads_what_the_pods_carry(objects: list[Obj]) -> None:
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    (job,) = config["scrape_configs"]
    relabel = {tuple(r["source_labels"]): r for r in job["relabel_configs"]}
    keep = {
        source[0]: rule["regex"] for source, rule in relabel.items() if rule.get("action") == "keep"
    }
    targets = {rule.get("target_label"): source[0] for source, rule in relabel.items()}
    annotation = "__meta_kubernetes_pod_annotation_"
    label = "__meta_kubernetes_pod_label_"
    workloads = list(omniarb_workloads(objects))
    assert workloads
    for obj in workloads:
        meta = pod_template_metadata(obj)
        annotations = {annotation + _meta_name(k): v for k, v in meta["annotations"].items()}
        labels = {label + _meta_name(k): v for k, v in meta["labels"].items()}
        seen = annotations | labels
        assert (
            seen[f"{annotation}prometheus_io_scrape"] == keep[f"{annotation}prometheus_io_scrape"]
        )
        ports = {p["name"] for c in containers(obj) for p in c["ports"]}
        assert keep["__meta_kubernetes_pod_container_port_name"] in ports
        for target in ("role", "region"):
            assert targets[target] in seen, (obj["metadata"]["name"], target)
        if meta["labels"]["app.kubernetes.io/component"] == "worker":
            assert targets["chain"] in seen
        assert seen[targets["__metrics_path__"]] == "/metrics"

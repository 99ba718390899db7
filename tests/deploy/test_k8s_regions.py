"""The multi-region layout, across the three rendered overlays: each chain's signing pair is
active in exactly one region and a cold standby elsewhere; the coordinator and the trainers run
beside the data primaries; the API everywhere; one image digest for all regions; and each pod
carries its region for Prometheus' `region` label.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from _k8s import CHAIN_NAMES, REGIONS, by_name, containers, omniarb_workloads, render

Obj = dict[str, Any]

# Where each chain's worker pair signs (README, "Deploying on Kubernetes"): nearest its nodes.
HOME = {
    "ethereum": "us-east-1",
    "arbitrum": "us-east-1",
    "optimism": "us-east-1",
    "polygon": "eu-west-1",
    "bnb": "ap-northeast-1",
}
PRIMARY = "us-east-1"


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[Obj]]:
    return {region: render(region) for region in REGIONS}


def test_each_chain_signs_in_one_region_with_a_cold_standby_elsewhere(
    rendered: dict[str, list[Obj]],
) -> None:
    assert set(HOME) == set(CHAIN_NAMES)
    for chain in CHAIN_NAMES:
        replicas = {
            region: by_name(objects, "Deployment", f"omniarb-worker-{chain}")["spec"]["replicas"]
            for region, objects in rendered.items()
        }
        assert replicas == {r: 2 if r == HOME[chain] else 0 for r in REGIONS}, chain


def test_the_coordinator_and_trainers_run_beside_the_primaries(
    rendered: dict[str, list[Obj]],
) -> None:
    for region, objects in rendered.items():
        coordinator = by_name(objects, "Deployment", "omniarb-coordinator")
        assert coordinator["spec"]["replicas"] == (2 if region == PRIMARY else 0)
        trainers = {
            (o["kind"], o["metadata"]["name"])
            for o in objects
            if o["metadata"]["name"] == "omniarb-trainer"
        }
        expected = {"CronJob", "Deployment", "HorizontalPodAutoscaler", "ServiceAccount"}
        assert trainers == (
            {(k, "omniarb-trainer") for k in expected} if region == PRIMARY else set()
        )
        by_name(objects, "HorizontalPodAutoscaler", "omniarb-api")


def test_the_trainers_scale_on_the_training_streams_backlog(
    rendered: dict[str, list[Obj]],
) -> None:
    hpa = by_name(rendered[PRIMARY], "HorizontalPodAutoscaler", "omniarb-trainer")
    assert hpa["spec"]["scaleTargetRef"]["name"] == "omniarb-trainer"
    (metric,) = hpa["spec"]["metrics"]
    assert metric["type"] == "External"
    # The bus's backlog gauge (omniarb/bus: entries not yet delivered to a group).
    assert metric["external"]["metric"] == {
        "name": "omniarb_bus_backlog",
        "selector": {"matchLabels": {"stream": "training", "group": "trainer"}},
    }
    cron = by_name(rendered[PRIMARY], "CronJob", "omniarb-trainer")
    args = containers(cron)[0]["args"]
    assert args[2:4] == ["trainer", "--once"]
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"


def test_one_image_digest_for_every_region(rendered: dict[str, list[Obj]]) -> None:
    digests = set()
    for region, objects in rendered.items():
        for obj in omniarb_workloads(objects):
            for container in containers(obj):
                match = re.fullmatch(
                    rf"registry\.{region}\.example\.com/omniarb@(sha256:[0-9a-f]{{64}})",
                    container["image"],
                )
                assert match, container["image"]
                digests.add(match.group(1))
    assert len(digests) == 1


def test_every_pod_says_its_region(rendered: dict[str, list[Obj]]) -> None:
    for region, objects in rendered.items():
        for obj in objects:
            if obj["kind"] in ("Deployment", "CronJob"):
                template = (
                    obj["spec"]["jobTemplate"]["spec"]["template"]
                    if obj["kind"] == "CronJob"
                    else obj["spec"]["template"]
                )
                assert template["metadata"]["annotations"]["omniarb.io/region"] == region

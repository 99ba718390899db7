"""deploy/k8s rendered per region by the real `kubectl kustomize`: every object valid against the
Kubernetes API schemas (kubernetes-validate, strict), and the properties the deployment promises
checked on the rendered objects: a worker pair per chain that never runs three pods, is spread
over nodes and zones, probed on its metrics port and locked down; secrets by reference only; the
network isolation (a worker reaches its chain's RPC, Redis, PostgreSQL, the model store and DNS,
nothing else); the configuration each region ships loads through omniarb's own settings loader
and points inside the CIDRs its network policies open.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import kubernetes_validate
import pytest
from _k8s import (
    CHAIN_NAMES,
    DEPLOY,
    REGIONS,
    by_name,
    containers,
    omniarb_workloads,
    pod_spec,
    pod_template_metadata,
    policies_selecting,
    render,
)

from omniarb._secrets import SECRET_ENV_VARS
from omniarb.config import Settings, load_settings

# A version kubernetes-validate ships schemas for, and that managed clusters run today.
KUBERNETES_VERSION = "1.33.0"
# Secrets the manifests reference but never define: created out of band (README).
OUT_OF_BAND_SECRETS = {
    "omniarb-db",
    "omniarb-api",
    "omniarb-model-store",
    "omniarb-signer-coordinator",
    *(f"omniarb-signer-{chain}" for chain in CHAIN_NAMES),
}
# Likewise the network description, written when the executor contract is deployed.
OUT_OF_BAND_CONFIGMAPS = {"omniarb-network"}
# The S3 client's own variables (the model store); every other one is omniarb's.
MODEL_STORE_ENV = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
METRICS_PORT = 9464
CONFIG_PATH = "/etc/omniarb/omniarb.toml"

Obj = dict[str, Any]


@pytest.fixture(scope="module", params=REGIONS)
def region(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def objects(region: str) -> list[Obj]:
    return render(region)


@pytest.fixture(scope="module")
def settings(objects: list[Obj], tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The region's omniarb.toml, read by omniarb's own loader (which also refuses secrets)."""
    path = tmp_path_factory.mktemp("config") / "omniarb.toml"
    path.write_text(by_name(objects, "ConfigMap", "omniarb-config")["data"]["omniarb.toml"])
    return load_settings(path)


def test_every_object_is_valid_against_the_kubernetes_schemas(objects: list[Obj]) -> None:
    for obj in objects:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
    assert {obj["kind"] for obj in objects} >= {
        "Namespace",
        "ServiceAccount",
        "ConfigMap",
        "Deployment",
        "Service",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "NetworkPolicy",
    }


def test_strict_validation_refuses_an_unknown_field() -> None:
    """The validation above would catch a misspelt field, not only a wrong type."""
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "i", "readinessProbes": {}}]},
    }
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(pod, KUBERNETES_VERSION, strict=True)


def test_everything_lives_in_the_omniarb_namespace(objects: list[Obj]) -> None:
    for obj in objects:
        if obj["kind"] != "Namespace":
            assert obj["metadata"].get("namespace") == "omniarb", obj["metadata"]["name"]


def test_a_worker_pair_per_chain_never_runs_a_third_pod(objects: list[Obj]) -> None:
    for chain in CHAIN_NAMES:
        worker = by_name(objects, "Deployment", f"omniarb-worker-{chain}")
        assert worker["spec"]["replicas"] in (0, 2), chain
        strategy = worker["spec"]["strategy"]
        assert strategy["type"] == "Recreate" or strategy["rollingUpdate"]["maxSurge"] == 0
        args = containers(worker)[0]["args"]
        # `--config` is omniarb's global option: it comes before the verb.
        assert args[:3] == ["--config", CONFIG_PATH, "worker"]
        assert args[args.index("--chain") + 1] == chain
        pair = {"app.kubernetes.io/component": "worker", "omniarb.io/chain": chain}
        assert pod_template_metadata(worker)["labels"].items() >= pair.items()

        anti = pod_spec(worker)["affinity"]["podAntiAffinity"]
        required = anti["requiredDuringSchedulingIgnoredDuringExecution"]
        assert [(t["topologyKey"], t["labelSelector"]["matchLabels"]) for t in required] == [
            ("kubernetes.io/hostname", pair)
        ]
        preferred = [
            t["podAffinityTerm"] for t in anti["preferredDuringSchedulingIgnoredDuringExecution"]
        ]
        assert [(t["topologyKey"], t["labelSelector"]["matchLabels"]) for t in preferred] == [
            ("topology.kubernetes.io/zone", pair)
        ]

        budget = by_name(objects, "PodDisruptionBudget", f"omniarb-worker-{chain}")
        assert budget["spec"]["minAvailable"] == 1
        assert (
            budget["spec"]["selector"]["matchLabels"] == worker["spec"]["selector"]["matchLabels"]
        )


def test_the_worker_files_differ_only_by_the_chain_name() -> None:
    workers = DEPLOY / "k8s" / "base" / "workers"
    assert sorted(p.stem for p in workers.glob("*.yaml")) == sorted(CHAIN_NAMES)
    texts = {chain: (workers / f"{chain}.yaml").read_text() for chain in CHAIN_NAMES}
    templates = {re.sub(rf"\b{chain}\b", "CHAIN", text) for chain, text in texts.items()}
    assert len(templates) == 1


def test_coordinator_api_and_their_budgets(objects: list[Obj]) -> None:
    coordinator = by_name(objects, "Deployment", "omniarb-coordinator")
    assert coordinator["spec"]["replicas"] in (0, 2)
    assert coordinator["spec"]["strategy"]["rollingUpdate"]["maxSurge"] == 0
    api = by_name(objects, "Deployment", "omniarb-api")
    assert "replicas" not in api["spec"], "the HorizontalPodAutoscaler owns the API's count"
    hpa = by_name(objects, "HorizontalPodAutoscaler", "omniarb-api")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "omniarb-api",
    }
    assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu"]
    assert hpa["spec"]["minReplicas"] >= 2
    service = by_name(objects, "Service", "omniarb-api")
    assert [p["port"] for p in service["spec"]["ports"]] == [8080]
    api_ports = {p["name"]: p["containerPort"] for p in containers(api)[0]["ports"]}
    assert api_ports == {"http": 8080, "metrics": METRICS_PORT}
    for name in ("omniarb-coordinator", "omniarb-api"):
        budget = by_name(objects, "PodDisruptionBudget", name)
        assert budget["spec"]["minAvailable"] == 1
        target = by_name(objects, "Deployment", name)
        assert (
            budget["spec"]["selector"]["matchLabels"] == target["spec"]["selector"]["matchLabels"]
        )


def test_every_role_is_probed_on_its_metrics_port_and_bounded(objects: list[Obj]) -> None:
    workloads = list(omniarb_workloads(objects))
    assert len(workloads) >= len(CHAIN_NAMES) + 2
    for obj in workloads:
        (container,) = containers(obj)
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert ports["metrics"] == METRICS_PORT, obj["metadata"]["name"]
        args = container["args"]
        assert args[args.index("--metrics-port") + 1] == str(METRICS_PORT)
        for probe in ("readinessProbe", "livenessProbe"):
            assert container[probe]["httpGet"] == {"path": "/metrics", "port": "metrics"}
        resources = container["resources"]
        assert set(resources["requests"]) == set(resources["limits"]) == {"cpu", "memory"}


def test_every_pod_is_locked_down(objects: list[Obj]) -> None:
    accounts = {o["metadata"]["name"]: o for o in objects if o["kind"] == "ServiceAccount"}
    for obj in objects:
        if obj["kind"] not in ("Deployment", "CronJob"):
            continue
        name = obj["metadata"]["name"]
        spec = pod_spec(obj)
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["runAsUser"] >= 10000, name
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        for key in ("hostNetwork", "hostPID", "hostIPC"):
            assert not spec.get(key), name
        if name != "omniarb-prometheus":  # it alone reads the Kubernetes API (discovery)
            assert spec["automountServiceAccountToken"] is False, name
            assert accounts[spec["serviceAccountName"]]["automountServiceAccountToken"] is False
        for container in containers(obj):
            context = container["securityContext"]
            assert context["runAsNonRoot"] is True, name
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["capabilities"] == {"drop": ["ALL"]}, name
            assert context["seccompProfile"] == {"type": "RuntimeDefault"}, name
            assert re.fullmatch(r"[^@:]+(:[^@]+)?@sha256:[0-9a-f]{64}", container["image"]), name
    assert accounts["default"]["automountServiceAccountToken"] is False


def test_secrets_are_references_to_secrets_made_out_of_band(objects: list[Obj]) -> None:
    assert not [o for o in objects if o["kind"] == "Secret"], "no Secret is defined here"
    referenced: set[str] = set()
    for obj in omniarb_workloads(objects):
        name = obj["metadata"]["name"]
        env = containers(obj)[0].get("env", [])
        names = {e["name"] for e in env}
        assert names <= set(SECRET_ENV_VARS.values()) | MODEL_STORE_ENV, name
        for entry in env:
            assert set(entry) == {"name", "valueFrom"}, f"{name}: {entry['name']} has a value"
            referenced.add(entry["valueFrom"]["secretKeyRef"]["name"])
        role = pod_template_metadata(obj)["labels"]["app.kubernetes.io/component"]
        assert ("OMNIARB_PRIVATE_KEY" in names) == (role in ("worker", "coordinator")), name
        assert "OMNIARB_DB_URL" in names, name
        for volume in pod_spec(obj).get("volumes", []):
            assert "secret" not in volume, name
    assert referenced <= OUT_OF_BAND_SECRETS
    assert {f"omniarb-signer-{chain}" for chain in CHAIN_NAMES} <= referenced


def test_every_config_map_a_pod_mounts_is_rendered_or_made_out_of_band(
    objects: list[Obj],
) -> None:
    rendered = {o["metadata"]["name"] for o in objects if o["kind"] == "ConfigMap"}
    for obj in objects:
        if obj["kind"] in ("Deployment", "CronJob"):
            for volume in pod_spec(obj).get("volumes", []):
                if "configMap" in volume:
                    name = volume["configMap"]["name"]
                    assert name in rendered | OUT_OF_BAND_CONFIGMAPS, name


def _cidr(rule: Obj) -> str:
    ((peer,),) = [rule["to"]]
    return str(peer["ipBlock"]["cidr"])


def _egress(objects: list[Obj], labels: dict[str, str]) -> set[tuple[str, str, int]]:
    """Where a pod with `labels` may connect: (peer, protocol, port) for every rule of every
    policy that selects it, a peer being an ipBlock's CIDR or `pods:<selector>`."""
    allowed: set[tuple[str, str, int]] = set()
    for policy in policies_selecting(objects, labels, "Egress"):
        for rule in policy["spec"].get("egress", []):
            # A rule without `to` or `ports` would open every destination or port.
            assert rule.get("to"), policy["metadata"]["name"]
            assert rule.get("ports"), policy["metadata"]["name"]
            for peer in rule["to"]:
                if "ipBlock" in peer:
                    assert "except" not in peer["ipBlock"]
                    where = peer["ipBlock"]["cidr"]
                else:
                    where = f"pods:{sorted(peer.get('namespaceSelector', {}).items())}" + str(
                        sorted(peer["podSelector"]["matchLabels"].items())
                    )
                allowed |= {(where, p["protocol"], p["port"]) for p in rule["ports"]}
    return allowed


def test_default_deny_then_each_worker_reaches_only_its_rpc_and_the_data_services(
    objects: list[Obj],
) -> None:
    deny = by_name(objects, "NetworkPolicy", "omniarb-default-deny")
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    data = by_name(objects, "NetworkPolicy", "omniarb-data")["spec"]["egress"]
    data_egress = {(_cidr(r), p["protocol"], p["port"]) for r in data for p in r["ports"]}
    dns = {
        (
            "pods:[('matchLabels', {'kubernetes.io/metadata.name': 'kube-system'})]"
            "[('k8s-app', 'kube-dns')]",
            protocol,
            53,
        )
        for protocol in ("UDP", "TCP")
    }
    rpc_cidrs = {}
    for chain in CHAIN_NAMES:
        (rule,) = by_name(objects, "NetworkPolicy", f"omniarb-rpc-{chain}")["spec"]["egress"]
        rpc_cidrs[chain] = _cidr(rule)
        rpc = {(_cidr(rule), "TCP", port) for port in (8545, 8546, 443)}
        worker = by_name(objects, "Deployment", f"omniarb-worker-{chain}")
        labels = pod_template_metadata(worker)["labels"]
        assert _egress(objects, labels) == dns | rpc | data_egress, chain
        ingress = [
            rule
            for policy in policies_selecting(objects, labels, "Ingress")
            for rule in policy["spec"].get("ingress", [])
        ]
        assert ingress == [
            {
                "from": [
                    {
                        "podSelector": {
                            "matchLabels": {"app.kubernetes.io/name": "omniarb-prometheus"}
                        }
                    }
                ],
                "ports": [{"protocol": "TCP", "port": METRICS_PORT}],
            }
        ], chain
    networks = [ipaddress.ip_network(c) for c in rpc_cidrs.values()]
    assert not any(a.overlaps(b) for i, a in enumerate(networks) for b in networks[i + 1 :])
    prometheus = pod_template_metadata(by_name(objects, "Deployment", "omniarb-prometheus"))
    assert prometheus["labels"]["app.kubernetes.io/name"] == "omniarb-prometheus"


def test_the_api_is_reached_from_the_ingress_controller_only(objects: list[Obj]) -> None:
    labels = pod_template_metadata(by_name(objects, "Deployment", "omniarb-api"))["labels"]
    sources = [
        (rule["from"], rule["ports"])
        for policy in policies_selecting(objects, labels, "Ingress")
        for rule in policy["spec"].get("ingress", [])
    ]
    ingress_nginx = {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}
    }
    assert ([ingress_nginx], [{"protocol": "TCP", "port": 8080}]) in sources
    assert all(
        ports == [{"protocol": "TCP", "port": METRICS_PORT}] or peers == [ingress_nginx]
        for peers, ports in sources
    )


def _host(url: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    host = urlsplit(url).hostname
    assert host is not None, url
    return ipaddress.ip_address(host)


def _cidr_for_port(objects: list[Obj], policy: str, port: int) -> ipaddress.IPv4Network:
    rules = by_name(objects, "NetworkPolicy", policy)["spec"]["egress"]
    (cidr,) = {_cidr(r) for r in rules if any(p["port"] == port for p in r["ports"])}
    return ipaddress.IPv4Network(cidr)


def test_the_regions_configuration_loads_and_stays_inside_its_network_policies(
    objects: list[Obj], settings: Settings
) -> None:
    assert settings.redis.enabled
    assert (settings.api.host, settings.api.port) == ("0.0.0.0", 8080)
    assert sorted(settings.chains) == sorted(CHAIN_NAMES)
    for chain in CHAIN_NAMES:
        network = settings.chains[chain]
        allowed = _cidr_for_port(objects, f"omniarb-rpc-{chain}", 8545)
        for url in (*network.rpc_urls, *network.ws_urls):
            assert _host(url) in allowed, (chain, url)
            assert urlsplit(url).port in (8545, 8546), url
    redis = urlsplit(settings.redis.url)
    assert _host(settings.redis.url) in _cidr_for_port(objects, "omniarb-data", redis.port or 6379)
    assert settings.score.endpoint_url is not None
    assert _host(settings.score.endpoint_url) in _cidr_for_port(objects, "omniarb-data", 443)


def test_the_config_file_is_mounted_where_every_role_reads_it(objects: list[Obj]) -> None:
    for obj in omniarb_workloads(objects):
        (container,) = containers(obj)
        mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
        assert mounts[CONFIG_PATH]["subPath"] == Path(CONFIG_PATH).name
        assert container["args"][:2] == ["--config", CONFIG_PATH]
        volumes = {v["name"]: v for v in pod_spec(obj)["volumes"]}
        config = volumes[mounts[CONFIG_PATH]["name"]]["configMap"]["name"]
        assert config == by_name(objects, "ConfigMap", "omniarb-config")["metadata"]["name"]
        # The root file system is read-only: omniarb's home and /tmp are emptyDirs.
        for path in ("/var/lib/omniarb", "/tmp"):
            assert "emptyDir" in volumes[mounts[path]["name"]], path

"""checkov's Kubernetes checks on every rendered overlay and its Dockerfile checks on
deploy/Dockerfile: no failed check, and every check skipped is skipped by an annotation that gives
its reason and is listed in the README's suppression table.

checkov runs from its own virtualenv (`.venv-tools`, made by `make setup`), offline
(`--skip-download`: no policy or guideline download).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from _k8s import DEPLOY, README, REGIONS, checkov, render, render_text

# One checkov run per module: its tests share the report.
pytestmark = pytest.mark.xdist_group("deploy-checkov")

Obj = dict[str, Any]
_SKIP_ANNOTATION = re.compile(r"checkov\.io/skip\d+")
# The kinds of the rendered objects that checkov 3.3's Kubernetes checks apply to.
_CHECKED_KINDS = {"Deployment", "CronJob", "Service", "ServiceAccount", "Role", "RoleBinding"}


def run_checkov(framework: str, target: Path) -> dict[str, Any]:
    flag = "-d" if target.is_dir() else "-f"
    done = subprocess.run(
        [
            str(checkov()),
            "--framework",
            framework,
            flag,
            str(target),
            "-o",
            "json",
            "--skip-download",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    # checkov exits 1 when a check fails; the report says which, so read it either way.
    assert done.returncode in (0, 1), done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert isinstance(report, dict), "one framework gives one report"
    return report


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[Obj]]:
    return {region: render(region) for region in REGIONS}


@pytest.fixture(scope="module")
def kubernetes_report(
    rendered: dict[str, list[Obj]], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("rendered")
    for region in REGIONS:
        (folder / f"{region}.yaml").write_text(render_text(region))
    return run_checkov("kubernetes", folder)


def _failures(report: dict[str, Any]) -> list[str]:
    return [
        f"{c['check_id']} {c['resource']}: {c['check_name']}"
        for c in report["results"]["failed_checks"]
    ]


def _reason(check: dict[str, Any]) -> str:
    """The reason a skipped check gives ("" when none: checkov then says "No comment provided")."""
    comment = str(check["check_result"]["suppress_comment"]).strip()
    return "" if comment == "No comment provided" else comment


def readme_suppressions() -> dict[str, str]:
    """check id → its row in the suppression table of the README's Kubernetes section."""
    text = README.read_text()
    start = text.index("### Deploying on Kubernetes")
    end = text.find("\n## ", start)
    section = text[start:] if end < 0 else text[start:end]
    table: dict[str, str] = {}
    for match in re.finditer(r"^\| `(CKV\w+)`[^|]*\|.*$", section, re.M):
        assert match.group(1) not in table, f"{match.group(1)}: two rows"
        table[match.group(1)] = match.group(0)
    return table


def test_the_rendered_overlays_pass_every_kubernetes_check(
    kubernetes_report: dict[str, Any], rendered: dict[str, list[Obj]]
) -> None:
    assert _failures(kubernetes_report) == []
    assert kubernetes_report["results"]["parsing_errors"] == []
    # Every object of a kind checkov has checks for was read and checked (a file checkov could
    # not parse would pass silently).
    checked = {
        c["resource"]
        for key in ("passed_checks", "skipped_checks")
        for c in kubernetes_report["results"][key]
    }
    for objects in rendered.values():
        for obj in objects:
            if obj["kind"] in _CHECKED_KINDS:
                resource = f"{obj['kind']}.omniarb.{obj['metadata']['name']}"
                assert resource in checked, resource


def test_every_kubernetes_suppression_gives_its_reason_and_is_in_the_readme(
    kubernetes_report: dict[str, Any], rendered: dict[str, list[Obj]]
) -> None:
    annotated: set[tuple[str, str]] = set()
    for objects in rendered.values():
        for obj in objects:
            for key, value in obj["metadata"].get("annotations", {}).items():
                if _SKIP_ANNOTATION.fullmatch(key):
                    check, _, reason = value.partition("=")
                    assert reason.strip(), f"{obj['metadata']['name']}: {check} without a reason"
                    annotated.add((check, obj["metadata"]["name"]))
    skipped = {
        (c["check_id"], c["resource"].rsplit(".", 1)[1])
        for c in kubernetes_report["results"]["skipped_checks"]
    }
    assert skipped == annotated
    for check in kubernetes_report["results"]["skipped_checks"]:
        assert _reason(check), check["check_id"]
    table = readme_suppressions()
    for check, name in annotated:
        assert check in table, f"{check} is suppressed but not in the README's table"
        assert f"`{name}`" in table[check], f"{check} on {name} is not in its README row"


def test_the_dockerfile_passes_every_dockerfile_check() -> None:
    report = run_checkov("dockerfile", DEPLOY / "Dockerfile")
    assert _failures(report) == []
    assert report["summary"]["passed"] > 0
    for check in report["results"]["skipped_checks"]:
        assert _reason(check), check["check_id"]
        assert check["check_id"] in readme_suppressions()

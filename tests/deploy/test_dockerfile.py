"""deploy/Dockerfile and .dockerignore, read as Docker reads them (the image itself is not built
here: the base images' registry is out of reach). Multi-stage, pinned bases, a numeric non-root
user, nothing secret in an ARG, an ENV or the build context, and a runtime stage that copies
only the build stage's outputs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from _k8s import DEPLOY

from omniarb._secrets import SECRET_ENV_VARS
from omniarb.paths import project_root

DOCKERFILE = DEPLOY / "Dockerfile"
DOCKERIGNORE = project_root() / ".dockerignore"
# Words that make a build argument or environment variable a secret's name.
_SECRET_WORDS = re.compile(r"KEY|TOKEN|SECRET|PASSW|PASSPHRASE|MNEMONIC|CREDENTIAL", re.I)


@dataclass(frozen=True, slots=True, kw_only=True)
class Instruction:
    keyword: str
    arguments: str


def instructions() -> list[Instruction]:
    """The Dockerfile's instructions, continuation lines joined and comments dropped."""
    logical: list[str] = []
    pending = ""
    for line in DOCKERFILE.read_text().splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.lstrip().startswith("#"):
            continue  # a comment inside a continued instruction
        pending += line.rstrip()
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        logical.append(pending)
        pending = ""
    assert not pending, "the last instruction ends in a continuation"
    parsed = []
    for text in logical:
        keyword, _, arguments = text.strip().partition(" ")
        parsed.append(Instruction(keyword=keyword.upper(), arguments=arguments.strip()))
    return parsed


def stages() -> dict[str, list[Instruction]]:
    """Each stage's instructions by its name (`FROM image AS name`)."""
    named: dict[str, list[Instruction]] = {}
    current: list[Instruction] | None = None
    for instruction in instructions():
        if instruction.keyword == "FROM":
            _, _, name = instruction.arguments.partition(" AS ")
            current = named.setdefault(name.strip(), [instruction])
        elif current is not None:
            current.append(instruction)
    return named


def test_bases_are_pinned_to_a_version() -> None:
    images = [i.arguments.split()[0] for i in instructions() if i.keyword == "FROM"]
    assert len(images) >= 3
    for image in images:
        _, _, tag = image.partition(":")
        assert re.match(r"\d+\.\d+\.\d+-", tag), f"{image}: pin a full version tag"
        assert "latest" not in tag


def test_three_stages_and_the_runtime_copies_only_build_outputs() -> None:
    named = stages()
    assert list(named) == ["node", "build", "runtime"]
    copies = [i.arguments for i in named["runtime"] if i.keyword in ("COPY", "ADD")]
    assert copies
    assert all(c.startswith("--from=build ") for c in copies), copies
    sources = {c.split()[1] for c in copies}
    assert sources == {
        "/opt/omniarb/.venv",
        "/opt/omniarb/pyproject.toml",
        "/opt/omniarb/omniarb",
        "/opt/omniarb/build/contracts",
        "/opt/omniarb/dashboard/dist",
    }
    # The build stage makes what the runtime copies, as `make setup-core` does.
    runs = " ".join(i.arguments for i in named["build"] if i.keyword == "RUN")
    assert "omniarb.contracts.build --out build/contracts" in runs
    assert "npm run build" in runs


def test_the_runtime_runs_as_a_numeric_non_root_user() -> None:
    users = [i.arguments for i in stages()["runtime"] if i.keyword == "USER"]
    assert users, "the runtime stage sets USER"
    uid, _, gid = users[-1].partition(":")
    assert uid.isdigit()
    assert int(uid) >= 10000
    assert gid.isdigit()
    assert int(gid) != 0
    entry = [i.arguments for i in stages()["runtime"] if i.keyword == "ENTRYPOINT"]
    assert entry == ['["omniarb"]']


def test_no_secret_is_an_arg_an_env_or_a_copied_file() -> None:
    text = DOCKERFILE.read_text()
    for variable in SECRET_ENV_VARS.values():
        assert variable not in text, variable
    for instruction in instructions():
        if instruction.keyword in ("ARG", "ENV"):
            names = re.findall(r"(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=", " " + instruction.arguments)
            names = names or [instruction.arguments.split()[0]]
            for name in names:
                assert not _SECRET_WORDS.search(name), f"{instruction.keyword} {name}"
        if instruction.keyword in ("COPY", "ADD"):
            assert not re.search(r"\.env|keystore|\.pem|\.key\b", instruction.arguments)
            assert "--secret" not in instruction.arguments


def test_the_build_context_leaves_out_local_state_and_outputs() -> None:
    patterns = {
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert not any(p.startswith("!") for p in patterns), "no re-inclusion"
    for required in (
        ".git",
        ".venv",
        "**/node_modules",
        "build",
        "dashboard/dist",
        ".omniarb",
        "**/keystore",
        "**/*.keystore",
        "**/.env",
    ):
        assert required in patterns, required
    # What the build stage copies is not excluded.
    copied = {"pyproject.toml", "README.md", "omniarb", "contracts", "dashboard", "package.json"}
    assert not copied & patterns

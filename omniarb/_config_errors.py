"""Read a config file and say what is wrong with it: one line per problem, key path and expectation.

`omniarb.config` validates with pydantic; pydantic's own messages ("Extra inputs are not
permitted") name neither the file nor what would have been right, so every error is rewritten here
from the field's `description`, which is written as the expectation ("an integer >= 0").
"""

from __future__ import annotations

import json
import re
import tomllib
import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from omniarb.errors import ConfigError

__all__ = [
    "DOMAIN_ERROR",
    "Problem",
    "config_error",
    "describe_value",
    "format_path",
    "problems_from_validation_error",
    "read_toml",
    "strip_secret_keys",
]

# The pydantic error type our cross-field checks raise; its context carries finished problems.
DOMAIN_ERROR = "omniarb_config"

# Key name endings that mean "a secret", and the environment variable that holds it instead.
_SECRET_SUFFIXES: tuple[tuple[str, str], ...] = (
    # Before the private key's entries: `[submission.ethereum] relay_key` is the relay's.
    ("relay_key", "OMNIARB_RELAY_KEY"),
    ("relay_private_key", "OMNIARB_RELAY_KEY"),
    ("reputation_key", "OMNIARB_RELAY_KEY"),
    ("private_key", "OMNIARB_PRIVATE_KEY"),
    ("privatekey", "OMNIARB_PRIVATE_KEY"),
    ("privkey", "OMNIARB_PRIVATE_KEY"),
    ("mnemonic", "OMNIARB_PRIVATE_KEY"),
    ("seed_phrase", "OMNIARB_PRIVATE_KEY"),
    ("passphrase", "OMNIARB_KEYSTORE_PASSPHRASE"),
    ("api_token", "OMNIARB_API_TOKEN"),
    ("api_key", "OMNIARB_API_TOKEN"),
    ("apikey", "OMNIARB_API_TOKEN"),
    ("access_token", "OMNIARB_API_TOKEN"),
    ("auth_token", "OMNIARB_API_TOKEN"),
    ("secret", "OMNIARB_API_TOKEN"),
    ("db_url", "OMNIARB_DB_URL"),
    ("database_url", "OMNIARB_DB_URL"),
    ("dsn", "OMNIARB_DB_URL"),
    # A bare password is most often a database's; its place is inside OMNIARB_DB_URL.
    ("password", "OMNIARB_DB_URL"),
    ("passwd", "OMNIARB_DB_URL"),
)
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    """One thing wrong with the configuration, at a dotted key path (`market.seed`)."""

    path: str
    message: str


def config_error(source: str, problems: Iterable[Problem]) -> ConfigError:
    """One ConfigError whose message has one line per problem, each naming the file."""
    lines = [
        f"{source}: {p.path}: {p.message}" if p.path else f"{source}: {p.message}" for p in problems
    ]
    return ConfigError("\n".join(lines))


def format_path(loc: Iterable[str | int]) -> str:
    """`("chains", "polygon", "dexes", 0)` → `chains.polygon.dexes[0]`."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
            continue
        key = part if _BARE_KEY.fullmatch(part) else json.dumps(part)
        path = f"{path}.{key}" if path else key
    return path


def describe_value(value: Any) -> str:
    """A value as the user wrote it in TOML (`"abc"`, `true`, `-1.5`), shortened if long."""
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = json.dumps(value, default=str) if isinstance(value, str | list | tuple) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _secret_env(key: str) -> str | None:
    normal = key.lower().replace("-", "_")
    if normal == "token":
        return "OMNIARB_API_TOKEN"
    for suffix, env in _SECRET_SUFFIXES:
        if normal == suffix or normal.endswith("_" + suffix):
            return env
    return None


def strip_secret_keys(data: Any, prefix: tuple[str | int, ...] = ()) -> tuple[Any, list[Problem]]:
    """Remove secret-looking keys from parsed TOML; report each without ever showing its value."""
    problems: list[Problem] = []
    if isinstance(data, Mapping):
        kept: dict[str, Any] = {}
        for key, value in data.items():
            env = _secret_env(key)
            if env is not None:
                problems.append(
                    Problem(
                        path=format_path((*prefix, key)),
                        message=(
                            "secrets are never read from the config file; remove this key "
                            f"and set the environment variable {env} instead"
                        ),
                    )
                )
                continue
            kept[key], inner = strip_secret_keys(value, (*prefix, key))
            problems += inner
        return kept, problems
    if isinstance(data, list):
        items = []
        for index, item in enumerate(data):
            clean, inner = strip_secret_keys(item, (*prefix, index))
            items.append(clean)
            problems += inner
        return items, problems
    return data, problems


def _unwrap(annotation: Any) -> Any:
    """`X | None` → `X`; other annotations unchanged."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _walk(root: type[BaseModel], loc: tuple[str | int, ...]) -> tuple[Any, FieldInfo | None]:
    """Follow `loc` through the model tree: (the type holding the last part, its field or None)."""
    current: Any = root
    holder: Any = root
    field: FieldInfo | None = None
    for part in loc:
        holder = current
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return holder, None
            current = _unwrap(field.annotation)
        elif get_origin(current) in (dict, Mapping):
            current = _unwrap(get_args(current)[1])
        elif get_origin(current) in (list, tuple):
            current = _unwrap(get_args(current)[0])
        else:
            return holder, field
    return holder, field


def _allowed_keys(holder: Any) -> list[str]:
    if isinstance(holder, type) and issubclass(holder, BaseModel):
        return list(holder.model_fields)
    return []


def _message(root: type[BaseModel], error: Mapping[str, Any]) -> str:
    loc: tuple[str | int, ...] = tuple(error["loc"])
    kind: str = error["type"]
    got = describe_value(error.get("input"))
    holder, field = _walk(root, loc)
    expected = field.description if field is not None and field.description else None
    if kind == "extra_forbidden":
        table = format_path(loc[:-1])
        where = f"in [{table}]" if table else "at the top level"
        return f"unknown key; allowed keys {where}: {', '.join(_allowed_keys(holder))}"
    if kind == "missing":
        return "required key is missing" + (f"; expected {expected}" if expected else "")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a table, got {got}"
    if expected is None:
        return f"{error['msg']}, got {got}"
    return f"expected {expected}, got {got}"


def problems_from_validation_error(exc: ValidationError, root: type[BaseModel]) -> list[Problem]:
    """One Problem per pydantic error, messages rewritten from the fields' descriptions."""
    problems: list[Problem] = []
    for error in exc.errors():
        if error["type"] == DOMAIN_ERROR:
            problems += error.get("ctx", {}).get("problems", ())
            continue
        problems.append(Problem(path=format_path(error["loc"]), message=_message(root, error)))
    return problems


def read_toml(path: Path) -> dict[str, Any]:
    """The parsed file; a ConfigError naming the file when it cannot be read or parsed."""
    try:
        return tomllib.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError as exc:
        reason = "no such file"
        raise ConfigError(f"{path}: cannot read the config file: {reason}") from exc
    except IsADirectoryError as exc:
        raise ConfigError(f"{path}: is a directory, expected a TOML file") from exc
    except PermissionError as exc:
        raise ConfigError(f"{path}: cannot read the config file: permission denied") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (bad byte at offset {exc.start})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc

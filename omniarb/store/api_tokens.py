"""API tokens with scopes, stored hashed: who may read, control or administer the bot's API.

A token is `oat_<id>_<secret>`: `id` is 8 hex digits, public (it names the token in lists, logs
and the audit log), and `secret` is 32 random bytes (`secrets.token_urlsafe`). The database keeps
the id, a name, the scope, the times, and the SHA-256 of the whole token, never the token.

Why a plain SHA-256 and not a password hash (bcrypt, scrypt): those are slow on purpose so a
stolen hash of a *guessable* password stays expensive to brute-force. Our secret is 256 bits from
the OS's CSPRNG; no amount of hashing speed makes 2**256 guesses feasible, and a fast hash keeps
the check of every API request cheap. The comparison is constant-time (`hmac.compare_digest`).

Scopes nest: `admin` ⊇ `control` ⊇ `read` (`scope_allows`).

    tokens = ApiTokenStore(engine)
    token, secret = tokens.create(name="grafana", scope="read")   # show `secret` once
    tokens.verify(secret)      # -> the ApiToken (check `.active`), or None (unknown, wrong)
    tokens.revoke(token.id)
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import String, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, Session, mapped_column

from omniarb.errors import NotFoundError
from omniarb.store.engine import begin_write, database_errors
from omniarb.store.models import Base, UtcDateTime

__all__ = [
    "SCOPES",
    "ApiScope",
    "ApiToken",
    "ApiTokenRow",
    "ApiTokenStore",
    "parse_scope",
    "scope_allows",
    "token_id_of",
]

ApiScope = Literal["read", "control", "admin"]
# Weakest first: a scope allows every scope at or before it.
SCOPES: tuple[ApiScope, ...] = ("read", "control", "admin")

_PREFIX = "oat_"
_TOKEN = re.compile(r"^oat_([0-9a-f]{8})_[A-Za-z0-9_-]{43}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,63}$")


def scope_allows(held: ApiScope, needed: ApiScope) -> bool:
    """Whether a token of scope `held` may use a route that needs `needed`."""
    return SCOPES.index(held) >= SCOPES.index(needed)


def parse_scope(value: str) -> ApiScope:
    """`value` as a scope (`ValueError` naming the choices otherwise)."""
    if value not in SCOPES:
        raise ValueError(f"scope {value!r}: choose from {', '.join(SCOPES)}")
    return value


def token_id_of(presented: str) -> str | None:
    """The public id inside a well-formed token, else None."""
    match = _TOKEN.match(presented)
    return None if match is None else match.group(1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiTokenRow(Base):
    """One API token: its public id, name, scope, the SHA-256 of the token, and its times."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(16))
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiToken:
    """A stored token without its secret."""

    id: str
    name: str
    scope: ApiScope
    created_at: datetime
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @property
    def actor(self) -> str:
        """How the audit log names whoever used this token."""
        return f"token:{self.id}:{self.name}"

    def to_json(self) -> dict[str, Any]:
        def stamp(at: datetime | None) -> str | None:
            return None if at is None else at.isoformat()

        return {
            "id": self.id,
            "name": self.name,
            "scope": self.scope,
            "created_at": self.created_at.isoformat(),
            "revoked_at": stamp(self.revoked_at),
            "last_used_at": stamp(self.last_used_at),
        }


def _token(row: ApiTokenRow) -> ApiToken:
    return ApiToken(
        id=row.id,
        name=row.name,
        scope=parse_scope(row.scope),
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )


class ApiTokenStore:
    """The `api_tokens` table of one history database; every method blocks."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(self, *, name: str, scope: str) -> tuple[ApiToken, str]:
        """A new token of `scope` named `name`: (the stored token, the secret to show once)."""
        if not _NAME.match(name):
            raise ValueError(
                "name: 1 to 64 characters of letters, digits, space and . _ @ -, "
                "starting with a letter or digit"
            )
        token_scope = parse_scope(scope)
        token_id = secrets.token_hex(4)
        secret = f"{_PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
        created_at = datetime.now(UTC)
        row = {
            "id": token_id,
            "name": name,
            "scope": token_scope,
            "secret_hash": _digest(secret),
            "created_at": created_at,
        }
        with (
            database_errors(self._engine.url, "storing an API token"),
            begin_write(self._engine) as connection,
        ):
            connection.execute(ApiTokenRow.__table__.insert().values(row))  # type: ignore[attr-defined]
        return ApiToken(id=token_id, name=name, scope=token_scope, created_at=created_at), secret

    def list(self) -> list[ApiToken]:
        """Every token, oldest first (revoked ones included)."""
        with (
            database_errors(self._engine.url, "reading API tokens"),
            Session(self._engine) as session,
        ):
            rows = session.scalars(select(ApiTokenRow).order_by(ApiTokenRow.created_at))
            return [_token(row) for row in rows]

    def any_active(self) -> bool:
        """Whether at least one token is not revoked (the API then requires tokens)."""
        return any(token.active for token in self.list())

    def revoke(self, token_id: str) -> ApiToken:
        """Revoke `token_id` (a running API notices within a second); revoking a
        revoked token changes nothing. `NotFoundError` for an unknown id."""
        now = datetime.now(UTC)
        with (
            database_errors(self._engine.url, "revoking an API token"),
            begin_write(self._engine) as connection,
        ):
            connection.execute(
                update(ApiTokenRow)
                .where(ApiTokenRow.id == token_id, ApiTokenRow.revoked_at.is_(None))
                .values(revoked_at=now)
            )
        for token in self.list():
            if token.id == token_id:
                return token
        raise NotFoundError(f"no API token {token_id!r} (see `omniarb tokens list`)")

    def verify(self, presented: str) -> ApiToken | None:
        """The stored token `presented` is (a revoked one too: check `active`), or None when it
        is malformed, unknown or wrong."""
        token_id = token_id_of(presented)
        if token_id is None:
            return None
        with (
            database_errors(self._engine.url, "checking an API token"),
            Session(self._engine) as session,
        ):
            row = session.get(ApiTokenRow, token_id)
            if row is None or not hmac.compare_digest(row.secret_hash, _digest(presented)):
                return None
            return _token(row)

    def touch(self, token_id: str, at: datetime) -> None:
        """Record that `token_id` was used at `at`."""
        with (
            database_errors(self._engine.url, "recording an API token's use"),
            begin_write(self._engine) as connection,
        ):
            connection.execute(
                update(ApiTokenRow).where(ApiTokenRow.id == token_id).values(last_used_at=at)
            )

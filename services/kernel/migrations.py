"""A small, ordered schema-migration runner for a service's own database.

Each service declares a ``MigrationPlan``: numbered SQL steps, applied in order
on the first database connection and recorded in ``schema_migrations``.

Concurrency: several replicas of a service may start at the same moment. The
whole run happens in one transaction that first takes a transaction-scoped
advisory lock (``pg_advisory_xact_lock``), so replicas queue behind each other;
the second one finds every step recorded and applies nothing. Even
``CREATE TABLE IF NOT EXISTS`` is not safe to race without that lock (two
sessions can both pass the existence check and one then fails on a catalog
unique index). PostgreSQL DDL is transactional, so a failed step leaves the
schema exactly as before and the next attempt starts over.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from services.kernel.errors import MigrationError

log = logging.getLogger(__name__)

# A stable lock name shared by every replica of a service (each service has its own database).
_LOCK_NAME = "critter-sandbox:schema-migrations"

_CREATE_HISTORY = """
CREATE TABLE IF NOT EXISTS {table} (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""
_HISTORY_TABLE = "schema_migrations"
_NAMESPACE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class Migration:
    """One schema step. ``sql`` may hold several statements; it must not be edited once
    released (add a new step instead), because replicas identify steps by version and name."""

    version: int
    name: str
    sql: str


class MigrationPlan:
    """An ordered, validated list of migrations with unique, increasing versions.

    ``namespace`` (lower-case letters, digits, ``_``) keeps the history of this plan apart
    from the service's default plan; see the module docstring.
    """

    def __init__(self, migrations: Sequence[Migration], *, namespace: str | None = None) -> None:
        if namespace is not None and not _NAMESPACE.match(namespace):
            raise MigrationError(f"invalid migration namespace {namespace!r}")
        self.namespace = namespace
        # Safe to format into SQL: fixed prefix plus a validated identifier.
        self.history_table = f"{_HISTORY_TABLE}_{namespace}" if namespace else _HISTORY_TABLE
        versions = [migration.version for migration in migrations]
        if any(version < 1 for version in versions):
            raise MigrationError("migration versions start at 1")
        if versions != sorted(set(versions)):
            raise MigrationError(f"migration versions must be unique and increasing: {versions}")
        if any(not migration.name.strip() or not migration.sql.strip() for migration in migrations):
            raise MigrationError("every migration needs a name and some SQL")
        self.migrations: tuple[Migration, ...] = tuple(migrations)

    async def apply(self, connection: Any) -> list[Migration]:
        """Apply the steps not yet recorded, in one locked transaction; return them.

        ``connection`` is an asyncpg connection. Raises MigrationError when the
        recorded history names a step differently from this plan.
        """
        async with connection.transaction():
            await connection.execute("SELECT pg_advisory_xact_lock(hashtext($1))", _LOCK_NAME)
            await connection.execute(_CREATE_HISTORY.format(table=self.history_table))
            rows = await connection.fetch(f"SELECT version, name FROM {self.history_table}")
            recorded: dict[int, str] = {row["version"]: row["name"] for row in rows}
            pending = self._pending(recorded)
            for migration in pending:
                await connection.execute(migration.sql)
                await connection.execute(
                    f"INSERT INTO {self.history_table} (version, name) VALUES ($1, $2)",
                    migration.version,
                    migration.name,
                )
        for migration in pending:
            log.info("applied %s %d %s", self.history_table, migration.version, migration.name)
        return pending

    def _pending(self, recorded: dict[int, str]) -> list[Migration]:
        known = {migration.version: migration.name for migration in self.migrations}
        for version, name in sorted(recorded.items()):
            if version not in known:
                log.warning(
                    "%s records %d %s, unknown to this build", self.history_table, version, name
                )
            elif known[version] != name:
                raise MigrationError(
                    f"migration {version} is recorded as {name!r} but this build calls it "
                    f"{known[version]!r}"
                )
        return [migration for migration in self.migrations if migration.version not in recorded]

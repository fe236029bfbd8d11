"""The PostgreSQL pool of one service: background connect, schema set-up, ping, close.

Life cycle (driven by ``build_app``'s lifespan):

1. ``start()`` spawns a task that creates the asyncpg pool, retrying with
   capped back-off while PostgreSQL is unreachable (or the role or database
   does not exist yet), then runs the set-up steps (migrations, seeding) on one
   connection. Only after they succeed is the pool published.
2. ``pool`` returns the pool or raises ``DatabaseUnavailable`` (HTTP 503).
   After an outage asyncpg replaces broken connections on its own: a query on
   a dead connection fails once, the next acquire opens a fresh one.
3. ``probe()`` is the readiness check: ``SELECT 1`` through the pool within
   ``ping_timeout_s``.
4. ``close()`` stops the connect task and closes the pool.

Every connection decodes ``json``/``jsonb`` to Python objects and encodes them
from Python objects (Decimal values become JSON strings, keeping them exact).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import asyncpg

from services.kernel.errors import DatabaseUnavailable
from services.kernel.logs import describe_error
from services.kernel.retry import Backoff, retry_until_done
from services.kernel.settings import ServiceSettings, redact_url

log = logging.getLogger(__name__)

# Errors meaning "the database cannot be reached right now": a request that meets one
# is answered 503 (see services.kernel.problems), a readiness probe reports it.
TRANSIENT_DB_ERRORS: tuple[type[Exception], ...] = (
    OSError,  # includes TimeoutError and ConnectionRefusedError
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
    asyncpg.InterfaceError,
)

# While connecting, a missing role or database is also worth waiting for: the
# orchestrator may still be creating them.
_CONNECT_ERRORS: tuple[type[Exception], ...] = (
    *TRANSIENT_DB_ERRORS,
    asyncpg.InvalidAuthorizationSpecificationError,
    asyncpg.InvalidCatalogNameError,
)

DatabaseSetup = Callable[[Any], Awaitable[object]]
"""A set-up step run once on an asyncpg connection before the pool is published."""


@dataclass(frozen=True)
class PoolOptions:
    """Sizes and timeouts of the pool."""

    min_size: int = 1
    max_size: int = 10
    connect_timeout_s: float = 5.0
    command_timeout_s: float = 30.0
    ping_timeout_s: float = 1.0
    max_idle_s: float = 60.0

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> PoolOptions:
        return cls(min_size=settings.db_pool_min_size, max_size=settings.db_pool_max_size)


class Database:
    """Owns the asyncpg pool of a service; see the module docstring for the life cycle."""

    name = "database"

    def __init__(
        self,
        dsn: str,
        *,
        application_name: str,
        options: PoolOptions | None = None,
        setup: Sequence[DatabaseSetup] = (),
        backoff: Backoff | None = None,
    ) -> None:
        self._dsn = dsn
        self._application_name = application_name
        self._options = options or PoolOptions()
        self._setup = tuple(setup)
        self._backoff = backoff or Backoff()
        self._pool: Any = None
        self._last_error = "not connected yet"
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Begin connecting in the background; returns at once."""
        if self._task is None:
            self._task = asyncio.create_task(self._connect(), name="database-connect")

    @property
    def pool(self) -> Any:
        """The asyncpg pool; raises DatabaseUnavailable until set-up has completed."""
        if self._pool is None:
            raise DatabaseUnavailable(self._last_error)
        return self._pool

    def is_ready(self) -> bool:
        """True once the pool exists and the set-up steps have run."""
        return self._pool is not None

    async def probe(self) -> None:
        """Readiness check: raise DatabaseUnavailable unless ``SELECT 1`` answers in time."""
        pool = self.pool
        timeout_s = self._options.ping_timeout_s
        try:
            async with asyncio.timeout(timeout_s), pool.acquire() as connection:
                await connection.fetchval("SELECT 1")
        except TimeoutError:
            raise DatabaseUnavailable(f"no answer to SELECT 1 within {timeout_s:g} s") from None
        except TRANSIENT_DB_ERRORS as exc:
            raise DatabaseUnavailable(describe_error(exc)) from exc

    async def close(self) -> None:
        """Stop connecting and close the pool (terminating it if it does not close in 5 s)."""
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        pool, self._pool = self._pool, None
        if pool is not None:
            try:
                async with asyncio.timeout(5.0):
                    await pool.close()
            except TimeoutError:
                log.warning("database pool did not close in 5 s; terminating it")
                pool.terminate()

    async def _connect(self) -> None:
        pool = await retry_until_done(
            self._open_pool,
            what=f"database connect to {redact_url(self._dsn)}",
            stop=self._stop,
            backoff=self._backoff,
            transient=_CONNECT_ERRORS,
            logger=log,
            on_failure=self._remember_failure,
        )
        if pool is not None:
            self._pool = pool
            log.info("database ready")

    async def _open_pool(self) -> Any:
        options = self._options
        pool = await asyncpg.create_pool(
            self._dsn,
            min_size=options.min_size,
            max_size=options.max_size,
            max_inactive_connection_lifetime=options.max_idle_s,
            timeout=options.connect_timeout_s,
            command_timeout=options.command_timeout_s,
            server_settings={"application_name": self._application_name},
            init=_init_connection,
            reset=_keep_session,
        )
        try:
            async with pool.acquire() as connection:
                for step in self._setup:
                    await step(connection)
        except BaseException:
            pool.terminate()
            raise
        return pool

    def _remember_failure(self, exc: BaseException) -> None:
        self._last_error = f"connecting: {describe_error(exc)}"


async def _init_connection(connection: Any) -> None:
    for type_name in ("json", "jsonb"):
        await connection.set_type_codec(
            type_name, encoder=_dump_json, decoder=json.loads, schema="pg_catalog"
        )


async def _keep_session(connection: Any) -> None:
    """Nothing to undo when a connection returns to the pool: advisory locks are
    transaction-scoped, LISTEN uses its own connection, and no session setting is
    changed. asyncpg's default reset costs a round trip and a transaction on every
    release (a third of all transactions under load); an open transaction is still
    rolled back by asyncpg before this runs."""


def _dump_json(value: object) -> str:
    return json.dumps(value, default=_json_default, separators=(",", ":"))


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot store {type(value).__name__} as JSON")

"""The `transaction` unit: small transactions (an INSERT and an UPDATE of the same row)
from an asyncpg pool of 10, on a scratch table in one service database. The cost counts
the bench process and PostgreSQL's process tree (the pool's backends included)."""

from __future__ import annotations

import asyncio

import asyncpg
from psycopg.conninfo import conninfo_to_dict

from sandbox.bench.budget import Budget
from sandbox.bench.cpu import Part, own_process, sample, used_between
from sandbox.bench.result import UnitResult

POOL_SIZE = 10
TABLE = "bench_scratch"
CONNECT_TIMEOUT_S = 10.0
# A stale table from an interrupted run is replaced: it only ever holds bench rows.
CREATE = (
    f"DROP TABLE IF EXISTS {TABLE}; "
    f"CREATE TABLE {TABLE} (id bigserial PRIMARY KEY, touched int NOT NULL, note text NOT NULL)"
)
INSERT = f"INSERT INTO {TABLE} (touched, note) VALUES (0, $1) RETURNING id"
UPDATE = f"UPDATE {TABLE} SET touched = touched + 1 WHERE id = $1"


async def _transact_until_spent(pool: asyncpg.Pool, budget: Budget) -> None:
    while budget.take():
        async with pool.acquire() as connection, connection.transaction():
            row_id = await connection.fetchval(INSERT, "bench")
            await connection.execute(UPDATE, row_id)


def connect_arguments(dsn: str) -> dict[str, str | int]:
    """asyncpg's keywords for a libpq ``key=value`` DSN (what the sandbox hands out)."""
    given = conninfo_to_dict(dsn)
    return {
        "host": str(given.get("host", "127.0.0.1")),
        "port": int(str(given.get("port", 5432))),
        "user": str(given["user"]),
        "password": str(given.get("password", "")),
        "database": str(given["dbname"]),
    }


async def measure_transactions(
    dsn: str, postgres_pid: int, seconds: float, max_count: int
) -> UnitResult:
    pool = await asyncpg.create_pool(
        **connect_arguments(dsn), min_size=POOL_SIZE, max_size=POOL_SIZE, timeout=CONNECT_TIMEOUT_S
    )
    try:
        await pool.execute(CREATE)
        parts = [own_process(), Part("postgres", postgres_pid)]
        before = sample(parts)
        budget = Budget(seconds, max_count)
        await asyncio.gather(*(_transact_until_spent(pool, budget) for _ in range(POOL_SIZE)))
        elapsed, after = budget.elapsed(), sample(parts)
    finally:
        try:
            await pool.execute(f"DROP TABLE IF EXISTS {TABLE}")
        finally:
            await pool.close()
    cpu_ms = {part: used * 1000 for part, used in used_between(before, after).items()}
    return UnitResult("transaction", budget.count, elapsed, cpu_ms)

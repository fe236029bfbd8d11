"""Pure parts of the kernel: back-off, retry loop, migration plans, money, problems."""

from __future__ import annotations

import asyncio
import itertools
import logging
from decimal import Decimal

import pytest
from pydantic import BaseModel, ValidationError

from services.kernel.errors import MigrationError
from services.kernel.migrations import Migration, MigrationPlan
from services.kernel.money import Money, NonNegativeMoney
from services.kernel.retry import Backoff, retry_until_done

FAST = Backoff(initial_s=0.001, factor=2.0, cap_s=0.002)
log = logging.getLogger(__name__)


def test_backoff_doubles_up_to_its_cap() -> None:
    delays = list(itertools.islice(Backoff(initial_s=0.2, cap_s=2.0).delays(), 7))
    assert delays == [0.2, 0.4, 0.8, 1.6, 2.0, 2.0, 2.0]
    assert list(itertools.islice(Backoff().delays(), 4)) == [0.2, 0.4, 0.5, 0.5]


def test_backoff_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="invalid back-off"):
        Backoff(initial_s=1.0, cap_s=0.5)


def test_retry_returns_the_first_success_after_transient_failures() -> None:
    attempts: list[int] = []
    failures: list[BaseException] = []

    async def attempt() -> str:
        attempts.append(len(attempts))
        if len(attempts) < 3:
            raise ConnectionRefusedError("not yet")
        return "connected"

    async def run() -> str | None:
        return await retry_until_done(
            attempt,
            what="test connect",
            stop=asyncio.Event(),
            backoff=FAST,
            transient=(OSError,),
            logger=log,
            on_failure=failures.append,
        )

    assert asyncio.run(run()) == "connected"
    assert len(attempts) == 3
    assert [type(error) for error in failures] == [ConnectionRefusedError] * 2


def test_retry_gives_up_when_stopped() -> None:
    async def attempt() -> str:
        raise ValueError("unexpected, still retried")

    async def run() -> str | None:
        stop, failed = asyncio.Event(), asyncio.Event()
        task = asyncio.create_task(
            retry_until_done(
                attempt,
                what="test connect",
                stop=stop,
                backoff=Backoff(initial_s=60.0, cap_s=60.0),
                transient=(OSError,),
                logger=log,
                on_failure=lambda _error: failed.set(),
            )
        )
        async with asyncio.timeout(5):
            await failed.wait()  # the first attempt failed; a 60 s back-off begins
            stop.set()
            return await task

    assert asyncio.run(run()) is None


def test_migration_plans_must_be_ordered_and_unique() -> None:
    with pytest.raises(MigrationError, match="unique and increasing"):
        MigrationPlan([Migration(2, "b", "SELECT 1"), Migration(1, "a", "SELECT 1")])
    with pytest.raises(MigrationError, match="unique and increasing"):
        MigrationPlan([Migration(1, "a", "SELECT 1"), Migration(1, "b", "SELECT 1")])
    with pytest.raises(MigrationError, match="start at 1"):
        MigrationPlan([Migration(0, "a", "SELECT 1")])
    with pytest.raises(MigrationError, match="name and some SQL"):
        MigrationPlan([Migration(1, "a", "  ")])


class _Recorder:
    """Just enough of an asyncpg connection to run ``MigrationPlan.apply``."""

    def __init__(self, recorded: dict[int, str]) -> None:
        self.recorded = dict(recorded)
        self.statements: list[str] = []

    def transaction(self) -> _Recorder:
        return self

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *_exc: object) -> None:
        return None

    async def execute(self, sql: str, *args: object) -> None:
        self.statements.append(sql.strip())
        if sql.startswith("INSERT INTO schema_migrations"):
            version, name = args
            assert isinstance(version, int)
            assert isinstance(name, str)
            self.recorded[version] = name

    async def fetch(self, _sql: str) -> list[dict[str, object]]:
        return [{"version": v, "name": n} for v, n in self.recorded.items()]


def test_only_unrecorded_migrations_run_under_the_lock() -> None:
    plan = MigrationPlan([Migration(1, "one", "SQL ONE"), Migration(2, "two", "SQL TWO")])
    connection = _Recorder({1: "one"})

    applied = asyncio.run(plan.apply(connection))

    assert [m.version for m in applied] == [2]
    assert connection.statements[0].startswith("SELECT pg_advisory_xact_lock")
    assert "SQL ONE" not in connection.statements
    assert "SQL TWO" in connection.statements
    assert connection.recorded == {1: "one", 2: "two"}
    assert asyncio.run(plan.apply(connection)) == []


def test_a_renamed_migration_is_refused() -> None:
    plan = MigrationPlan([Migration(1, "create products", "SQL")])

    with pytest.raises(MigrationError, match="recorded as 'create items'"):
        asyncio.run(plan.apply(_Recorder({1: "create items"})))


class _Priced(BaseModel):
    amount: Money
    price: NonNegativeMoney | None = None


@pytest.mark.parametrize(
    ("given", "expected"),
    [(19.99, "19.99"), ("19.99", "19.99"), (5, "5.00"), ("1e3", "1000.00"), (-2.5, "-2.50")],
)
def test_money_is_exact_and_written_as_a_two_place_string(given: object, expected: str) -> None:
    model = _Priced.model_validate({"amount": given})

    assert model.amount == Decimal(expected)
    assert model.model_dump(mode="json")["amount"] == expected


@pytest.mark.parametrize("given", ["19.999", "NaN", "Infinity", "abc", "1234567890123"])
def test_money_refuses_inexact_or_invalid_amounts(given: str) -> None:
    with pytest.raises(ValidationError):
        _Priced.model_validate({"amount": given})


def test_prices_cannot_be_negative() -> None:
    with pytest.raises(ValidationError):
        _Priced.model_validate({"amount": "1", "price": "-0.01"})

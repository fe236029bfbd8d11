"""ServiceSettings: the environment contract between the orchestrator and a service."""

from __future__ import annotations

import os

import pytest

from services.kernel.errors import ConfigurationError
from services.kernel.settings import load_settings, redact_url

REQUIRED = {
    "SERVICE_NAME": "catalog",
    "HTTP_PORT": "24101",
    "DATABASE_URL": "postgresql://catalog:pw@127.0.0.1:24201/catalog",
    "AMQP_URL": "amqp://catalog:pw@127.0.0.1:24202/%2Fcritter",
}


@pytest.fixture
def environ(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for key in ("SANDBOX_DEFECTS", "LOG_LEVEL", "DB_POOL_MIN_SIZE", "DB_POOL_MAX_SIZE"):
        monkeypatch.delenv(key, raising=False)
    for key in [name for name in os.environ if name.startswith("UPSTREAM_")]:
        monkeypatch.delenv(key)
    for key, value in REQUIRED.items():
        monkeypatch.setenv(key, value)
    return monkeypatch


def test_reads_the_required_variables(environ: pytest.MonkeyPatch) -> None:
    settings = load_settings()

    assert settings.service_name == "catalog"
    assert settings.http_port == 24101
    assert settings.database_url == REQUIRED["DATABASE_URL"]
    assert settings.amqp_url == REQUIRED["AMQP_URL"]
    assert settings.sandbox_defects == frozenset()
    assert settings.upstreams == {}


def test_defects_are_a_comma_separated_set(environ: pytest.MonkeyPatch) -> None:
    environ.setenv("SANDBOX_DEFECTS", " no-outbox, ,global-sse,no-outbox ")

    assert load_settings().sandbox_defects == frozenset({"no-outbox", "global-sse"})


def test_empty_defects_mean_none(environ: pytest.MonkeyPatch) -> None:
    environ.setenv("SANDBOX_DEFECTS", "")

    assert load_settings().sandbox_defects == frozenset()


def test_upstream_urls_are_collected_by_name(environ: pytest.MonkeyPatch) -> None:
    environ.setenv("UPSTREAM_CATALOG_URL", "http://127.0.0.1:24301")
    environ.setenv("UPSTREAM_CUSTOMER_IDENTITY_URL", "http://127.0.0.1:24302")

    settings = load_settings()

    assert settings.upstreams == {
        "catalog": "http://127.0.0.1:24301",
        "customer-identity": "http://127.0.0.1:24302",
    }
    assert settings.upstream_url("CUSTOMER_IDENTITY") == "http://127.0.0.1:24302"
    with pytest.raises(ConfigurationError, match="UPSTREAM_ORDERS_URL"):
        settings.upstream_url("orders")


def test_every_problem_is_named_at_once(environ: pytest.MonkeyPatch) -> None:
    environ.delenv("DATABASE_URL")
    environ.setenv("HTTP_PORT", "eighty")
    environ.setenv("AMQP_URL", "http://127.0.0.1:5672/")

    with pytest.raises(ConfigurationError) as failure:
        load_settings()

    message = str(failure.value)
    assert "DATABASE_URL: Field required" in message
    assert "HTTP_PORT:" in message
    assert "AMQP_URL:" in message


def test_secrets_stay_out_of_repr_and_logs(environ: pytest.MonkeyPatch) -> None:
    settings = load_settings()

    assert "pw@" not in repr(settings)
    assert redact_url(settings.database_url) == "postgresql://catalog:***@127.0.0.1:24201/catalog"
    assert redact_url("amqp://127.0.0.1:1/") == "amqp://127.0.0.1:1/"

"""Exceptions raised by the service kernel and by the services built on it.

The tree::

    KernelError                  base of every error defined here
    ├── ConfigurationError       the environment does not describe a runnable service
    ├── MigrationError           a migration plan is malformed or disagrees with the database
    ├── DependencyUnavailable    PostgreSQL or RabbitMQ cannot be used right now (HTTP 503)
    │   ├── DatabaseUnavailable
    │   └── BrokerUnavailable
    └── RequestRejected          a request is refused by a rule (HTTP 4xx problem response)
        ├── BadRequest           400: well-formed but not allowed in the current state
        ├── NotFound             404: the addressed resource does not exist
        └── Conflict             409: the request collides with existing state

Services subclass the ``RequestRejected`` family for their domain errors
(``ProductNotFound(NotFound)``), so ``services.kernel.problems`` turns them
into ``application/problem+json`` responses without code in the routes.
"""

from __future__ import annotations

from typing import ClassVar


class KernelError(Exception):
    """Base class of every error raised by ``services.kernel`` and the services."""


class ConfigurationError(KernelError):
    """The process environment is missing a setting or holds an invalid one.

    Raised while the app is being built, before anything listens, so a
    misconfigured service exits at once with a message naming the variables.
    """


class MigrationError(KernelError):
    """A migration plan is malformed, or the database's history contradicts it.

    Example: version 2 is recorded in ``schema_migrations`` under another name.
    This is a programming error, not a transient one, and is logged as such.
    """


class DependencyUnavailable(KernelError):
    """A dependency the request needs is not reachable right now.

    ``reason`` is a short, human-readable explanation used by the readiness
    endpoint and the 503 problem response. Clients may retry later.
    """

    dependency: ClassVar[str] = "dependency"

    def __init__(self, reason: str) -> None:
        super().__init__(f"{self.dependency} unavailable: {reason}")
        self.reason = reason


class DatabaseUnavailable(DependencyUnavailable):
    """The service's PostgreSQL database is not connected or did not answer in time."""

    dependency = "database"


class BrokerUnavailable(DependencyUnavailable):
    """The RabbitMQ connection is not open (not yet connected, or reconnecting)."""

    dependency = "broker"


class RequestRejected(KernelError):
    """A request refused by a rule of the service; maps to a 4xx problem response.

    ``detail`` is shown to the client as the problem's ``detail`` field.
    """

    status_code: ClassVar[int] = 400
    title: ClassVar[str] = "Bad Request"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class BadRequest(RequestRejected):
    """400: the request is well-formed but not allowed in the resource's current state."""


class NotFound(RequestRejected):
    """404: the resource named by the request does not exist."""

    status_code = 404
    title = "Not Found"


class Conflict(RequestRejected):
    """409: the request would duplicate or contradict existing state."""

    status_code = 409
    title = "Conflict"

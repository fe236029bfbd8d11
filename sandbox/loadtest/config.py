"""What one load run does: the contract between the CLI and the engine process (JSON).

Pure standard library, so the CLI can build and check a config without importing
gevent or Locust. ``from_json`` refuses unknown keys, wrong types and contradictions
with a one-line ``ConfigError``; nothing is silently ignored.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from sandbox.errors import ConfigError

LAST_SEEDED_CUSTOMER = 2000  # customer0001 ... customer2000 are seeded with known passwords
COMPLETION_STATUSES = ("Confirmed", "Shipped", "Delivered")

_INTS = {"users", "max_orders_per_user", "seed", "first_customer", "burst", "workers"}
_FLOATS = {"spawn_rate", "duration_s", "think_s", "pace_s", "completion_timeout_s"}


@dataclass
class LoadConfig:
    storefront_urls: list[str]
    users: int  # the peak number of concurrent customers
    spawn_rate: float  # users started per second
    duration_s: float  # hard bound on the load phase; draining adds completion_timeout_s
    think_s: float = 1.0  # pause between a customer's steps
    pace_s: float = 10.0  # minimum time between the starts of one customer's orders
    max_orders_per_user: int = 1000
    completion_status: str = "Confirmed"  # the order's state that ends its latency
    completion_timeout_s: float = 60.0  # from the checkout request to that state
    seed: int = 1
    first_customer: int = 1  # users are seeded customers first_customer, first_customer+1, ...
    burst: int = 0  # > 0: this many customers fill carts, then check out all at once, once
    ramp_steps: list[list[float]] = field(default_factory=list)  # [[at_s, users], ...]
    workers: int = 0  # 0: one process; N: a Locust master and N local worker processes
    progress_path: str | None = None  # when set, rewritten every second with live figures

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> LoadConfig:
        try:
            raw = json.loads(text)
        except ValueError as exc:
            raise ConfigError(f"load config is not JSON: {exc}") from exc
        if not isinstance(raw, dict):
            raise ConfigError("load config must be a JSON object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ConfigError(f"unknown load config key(s): {', '.join(unknown)}")
        for name, value in raw.items():
            _check_type(name, value)
        try:
            config = cls(**raw)
        except TypeError as exc:  # a required key is missing
            raise ConfigError(f"load config: {exc}") from exc
        config.validate()
        return config

    @property
    def schedule(self) -> list[tuple[float, int]]:
        """When to set which user count: the ramp, or everyone from the start."""
        if self.ramp_steps:
            return [(float(at), int(users)) for at, users in self.ramp_steps]
        return [(0.0, self.users)]

    def validate(self) -> None:
        _require(bool(self.storefront_urls), "storefront_urls must name at least one Storefront")
        for url in self.storefront_urls:
            _require(url.startswith(("http://", "https://")), f"not an http URL: {url!r}")
        _require(self.users >= 1, "users must be at least 1")
        _require(self.spawn_rate > 0, "spawn_rate must be above 0")
        _require(self.duration_s > 0, "duration_s must be above 0")
        _require(self.think_s >= 0 and self.pace_s >= 0, "think_s and pace_s must be >= 0")
        _require(self.max_orders_per_user >= 1, "max_orders_per_user must be at least 1")
        _require(
            self.completion_status in COMPLETION_STATUSES,
            f"completion_status must be one of {', '.join(COMPLETION_STATUSES)}",
        )
        _require(self.completion_timeout_s > 0, "completion_timeout_s must be above 0")
        _require(1 <= self.first_customer <= LAST_SEEDED_CUSTOMER, "first_customer must be 1..2000")
        last = self.first_customer + self.users - 1 + max(self.workers - 1, 0)
        _require(
            last <= LAST_SEEDED_CUSTOMER,
            f"{self.users} users from customer {self.first_customer} (with {self.workers} "
            f"workers) need customer {last}, beyond the {LAST_SEEDED_CUSTOMER} seeded ones",
        )
        _require(0 <= self.burst <= self.users, "burst must be between 0 and users")
        _require(0 <= self.workers <= 64, "workers must be between 0 and 64")
        if self.ramp_steps:
            self._validate_ramp()

    def _validate_ramp(self) -> None:
        _require(self.burst == 0, "choose either burst or ramp_steps, not both")
        steps = self.ramp_steps
        for step in steps:
            _require(
                len(step) == 2 and all(_is_number(v) for v in step),
                "each ramp step must be [seconds, users]",
            )
        times = [float(at) for at, _ in steps]
        counts = [users for _, users in steps]
        _require(times[0] == 0, "the first ramp step must be at 0 s")
        _require(times == sorted(set(times)), "ramp steps must be in strictly increasing time")
        _require(times[-1] < self.duration_s, "every ramp step must start before duration_s")
        _require(
            all(float(n).is_integer() and n >= 0 for n in counts), "ramp users must be whole >= 0"
        )
        _require(max(counts) == self.users, "users must equal the ramp's peak (the largest step)")


def _check_type(name: str, value: Any) -> None:
    if name in _INTS:
        _require(isinstance(value, int) and not isinstance(value, bool), f"{name} must be an int")
    elif name in _FLOATS:
        _require(_is_number(value), f"{name} must be a number")
    elif name == "storefront_urls":
        _require(
            isinstance(value, list) and all(isinstance(u, str) for u in value),
            "storefront_urls must be a list of URLs",
        )
    elif name == "ramp_steps":
        _require(
            isinstance(value, list) and all(isinstance(s, list) for s in value),
            "ramp_steps must be a list of [seconds, users]",
        )
    elif name == "completion_status":
        _require(isinstance(value, str), "completion_status must be a string")
    elif name == "progress_path":
        _require(value is None or isinstance(value, str), "progress_path must be a path")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ConfigError(f"load config: {message}")

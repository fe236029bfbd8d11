"""Knobs of the messaging layer, and the defect switches that break it on purpose.

Both are frozen value objects built once by ``Messaging.configure`` (from the
service settings) and passed down; nothing here reads the environment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from services.kernel.retry import Backoff

TRANSIENT_BROKER = "transient-broker"
NO_INBOX = "no-inbox"
NO_OUTBOX = "no-outbox"
MESSAGING_DEFECTS = frozenset({TRANSIENT_BROKER, NO_INBOX, NO_OUTBOX})


@dataclass(frozen=True)
class Defects:
    """Which of the original system's messaging flaws are switched on (all off by default).

    They exist only so the chaos harness can prove that it notices them; see the
    package docstring for what each one does.
    """

    transient_broker: bool = False
    no_inbox: bool = False
    no_outbox: bool = False

    @classmethod
    def from_names(cls, names: Iterable[str]) -> Defects:
        """Pick the messaging switches out of ``SANDBOX_DEFECTS`` (other names are ignored:
        they belong to other parts of the service, e.g. ``global-sse``)."""
        wanted = frozenset(names)
        return cls(
            transient_broker=TRANSIENT_BROKER in wanted,
            no_inbox=NO_INBOX in wanted,
            no_outbox=NO_OUTBOX in wanted,
        )

    def names(self) -> list[str]:
        flags = {
            TRANSIENT_BROKER: self.transient_broker,
            NO_INBOX: self.no_inbox,
            NO_OUTBOX: self.no_outbox,
        }
        return sorted(name for name, on in flags.items() if on)


@dataclass(frozen=True)
class MessagingOptions:
    """Sizes and timings of the relay and the consumer.

    * ``prefetch``: unacknowledged deliveries the broker may push to one process.
    * ``concurrency``: handlers running at once; each holds a pool connection, so keep
      it below the pool size to leave room for HTTP requests.
    * ``delivery_limit``: deliveries of a failing message before it is dead-lettered
      (also the quorum queue's ``x-delivery-limit``, the broker-side backstop).
    * ``batch_size`` / ``poll_interval_s``: outbox rows per relay transaction, and the
      fallback poll that catches notifications missed while not listening.
    * ``publish_timeout_s``: longest wait for one broker confirm before the batch is
      abandoned (its rows stay in the outbox).
    * ``backoff``: pauses of the relay while the broker or database is unreachable, and of
      in-process handler retries; a short cap resumes quickly, and a failed attempt
      costs one small query (the relay looks for waiting rows before it checks the broker).
    * ``redelivery_backoff``: how long a failed delivery is held before it is handed back,
      by attempt (0.1, 0.2, 0.4, 0.8 s...), so ``delivery_limit`` attempts span a couple of
      seconds rather than a few milliseconds: a failure caused by a race (a message
      about an order overtaking the one that created it) gets time to resolve.
    * ``transient_retries``: in-process retries of a handler that met a transient
      database error although the database answers; while it does not answer, retries
      are unlimited. Neither counts as a delivery, so a database outage does not push
      healthy messages into the dead-letter queue.
    """

    prefetch: int = 32
    concurrency: int = 8
    delivery_limit: int = 5
    batch_size: int = 200
    poll_interval_s: float = 1.0
    publish_timeout_s: float = 10.0
    transient_retries: int = 20
    error_text_limit: int = 1000
    backoff: Backoff = field(default_factory=lambda: Backoff(initial_s=0.2, cap_s=1.0))
    redelivery_backoff: Backoff = field(default_factory=lambda: Backoff(initial_s=0.1, cap_s=2.0))

    def redelivery_delay(self, attempt: int) -> float:
        """Pause before handing back the ``attempt``-th (1-based) failed delivery."""
        backoff = self.redelivery_backoff
        exponent = min(max(attempt - 1, 0), 32)  # bounded: no float overflow for silly inputs
        return min(backoff.initial_s * backoff.factor**exponent, backoff.cap_s)

    def __post_init__(self) -> None:
        if self.prefetch < 1 or self.concurrency < 1 or self.batch_size < 1:
            raise ValueError(f"invalid messaging options {self!r}")
        if self.delivery_limit < 1 or self.poll_interval_s <= 0 or self.publish_timeout_s <= 0:
            raise ValueError(f"invalid messaging options {self!r}")

"""The outbox and inbox tables, and the SQL that touches them.

Both live in the service's own database; their history is kept under the migration
namespace ``messaging`` (table ``schema_migrations_messaging``), so the kernel's
versions never clash with the service's own plan.

* ``outbox``: one row per message written but not yet confirmed by the broker. The
  relay deletes a row only after the broker's confirm; an empty table means every
  message has left the service (what the harness's "outboxes drained" check reads).
* ``inbox``: one row per message id whose handler committed; the primary key turns a
  redelivery into a no-op. ``received_at`` is indexed for pruning old rows.
"""

from __future__ import annotations

from services.kernel.migrations import Migration, MigrationPlan

NOTIFY_CHANNEL = "critter_outbox"

MESSAGING_MIGRATIONS = MigrationPlan(
    [
        Migration(
            1,
            "outbox and inbox",
            """
            CREATE TABLE outbox (
                id          bigserial PRIMARY KEY,
                message_id  uuid NOT NULL UNIQUE,
                routing_key text NOT NULL,
                type        text NOT NULL,
                body        text NOT NULL,
                created_at  timestamptz NOT NULL DEFAULT now()
            );
            CREATE TABLE inbox (
                message_id  uuid PRIMARY KEY,
                type        text NOT NULL,
                received_at timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX inbox_received_at ON inbox (received_at);
            """,
        )
    ],
    namespace="messaging",
)

# One round trip: the CTE is referenced, so pg_notify runs; PostgreSQL delivers the
# notification only when (and if) the caller's transaction commits, and folds repeated
# identical notifications of one transaction into one.
INSERT_OUTBOX = f"""
WITH wake AS (SELECT pg_notify('{NOTIFY_CHANNEL}', ''))
INSERT INTO outbox (message_id, routing_key, type, body, created_at)
SELECT $1, $2, $3, $4, $5 FROM wake
"""

# One round trip claims and deletes a batch; the deletion commits only if every row was
# confirmed by the broker (otherwise the relay rolls back and the rows stay). SKIP LOCKED
# lets several relays (replicas) take disjoint batches instead of queueing behind each
# other; a crashed relay's locks vanish with its transaction. RETURNING has no order: the
# relay sorts by id to publish in write order.
TAKE_BATCH = """
DELETE FROM outbox WHERE id IN (
    SELECT id FROM outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
)
RETURNING id, message_id, routing_key, type, body, created_at
"""

# Both outbox gauges in one scan. ``now()`` is the database's clock, ``created_at`` the
# writer's (``Envelope.wrap``): ``greatest`` clamps a small skew to 0, and, as it skips
# NULLs, also turns the empty table's ``min`` into 0.
OUTBOX_BACKLOG = """
SELECT count(*) AS depth,
       greatest(extract(epoch FROM now() - min(created_at)), 0)::float8 AS oldest_age_s
FROM outbox
"""

INSERT_INBOX = "INSERT INTO inbox (message_id, type) VALUES ($1, $2) ON CONFLICT DO NOTHING"

INBOX_INSERTED = "INSERT 0 1"
"""The command status of ``INSERT_INBOX`` when the id was new (``INSERT 0 0`` if seen)."""

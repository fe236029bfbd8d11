"""The Storefront's Server-Sent Events: each customer's own events, across replicas.

Path of an event: a message handler stores it (``notifications`` row) and sends
``NOTIFY storefront_events`` in the inbox transaction -> every replica's ``listener``
receives it -> its ``hub`` offers the frame to that customer's open streams only ->
each ``stream`` writes it. A reconnecting client sends ``Last-Event-ID`` and the
stream replays the rows it missed from the database.

Modules: ``framing`` (wire format, pure), ``admission`` (who may open which stream,
pure), ``hub`` (per-process fan-out), ``listener`` (LISTEN connection), ``stream``
(one stream's life), ``disconnect`` (noticing a gone client without a task),
``gateway`` (ASGI entry that skips FastAPI for streams), ``shutdown`` (end streams on
SIGTERM). The ``global-sse`` defect makes the hub offer every event to every stream.
"""

"""Orders: the checkout wizard and the order saga (see ``main`` for the entry point).

Pure: ``checkout`` (wizard rules, shipping prices), ``order`` (the saga's state and
statuses), ``saga`` (state x message -> state + messages), ``outgoing`` (messages built
from an order). Use cases: ``wizard``. Ports and units of work: ``ports``, ``units``,
fakes in ``memory``. Adapters: ``checkout_store``, ``order_store`` (PostgreSQL),
``identity`` (Customer Identity's address snapshots). Entry points: ``checkout_api``,
``orders_api`` (HTTP; bodies in ``models``, answers in ``views``, dependencies in
``deps``), ``handlers`` (messages), ``timeouts`` (the saga deadline watch). Also
``schema`` (migrations), ``settings``, ``metrics``, ``ids`` (UUIDv7).
"""

"""The service kernel: what the eight services share.

Map (each module's docstring holds the details):

* ``settings``    - ``ServiceSettings`` / ``load_settings()``: the environment contract
* ``app``         - ``build_app()``: FastAPI factory with lifespan, health, metrics, errors
* ``runtime``     - ``ServiceRuntime`` (settings, metrics, database, broker) + ``RuntimeDep``
* ``db``          - ``Database``: asyncpg pool with background connect/retry and ``probe()``
* ``migrations``  - ``Migration`` / ``MigrationPlan``: ordered, locked schema steps
* ``bus``         - ``Broker``: robust aio-pika connection, ``is_connected()``, exchanges
* ``health``      - ``/health/live`` and ``/health/ready``
* ``metrics``     - ``ServiceMetrics``, request middleware, ``/metrics``
* ``problems``    - problem+json error responses
* ``money``       - ``Money``: exact decimal amounts, JSON strings with two decimals
* ``retry``       - ``Backoff`` and the connect-retry loop
* ``logs``        - logging set-up and one-line error summaries
* ``errors``      - the exception tree

Nothing here connects or reads the environment at import time.
"""

"""The load generator of ``sandbox loadtest``: virtual customers driven by Locust.

The engine runs in a process of its own (``python -m sandbox.loadtest.main CONFIG OUTPUT``)
because Locust needs gevent's monkey-patching before anything else is imported, which the
CLI's own process (asyncio, httpx, supervisor) must never see. So this package's
``__init__`` imports nothing: ``config`` is the only module the CLI itself may import.
"""

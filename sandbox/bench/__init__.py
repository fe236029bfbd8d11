"""`sandbox bench infra`: the bare-client ceiling, measured on this machine in the same run.

Unit costs (CPU milliseconds, every process involved) of a persistent message, a small
transaction, an HTTP request (server and client apart) and an SSE event; ``ceiling`` turns
them and a load test's work per order into orders per second these cores could complete.
"""

from sandbox.bench.ceiling import UnitCosts, WorkPerOrder, ceiling_orders_per_s, ratio
from sandbox.bench.result import BenchFileError, latest_bench, read_bench

__all__ = [
    "BenchFileError",
    "UnitCosts",
    "WorkPerOrder",
    "ceiling_orders_per_s",
    "latest_bench",
    "ratio",
    "read_bench",
]

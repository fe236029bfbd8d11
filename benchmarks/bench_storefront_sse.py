"""Benchmark: server memory per idle SSE stream, and memory after connect/disconnect cycles.

Against the Storefront of a running sandbox (loopback only, bounded loops):

1. warm-up: 200 streams opened and closed (allocator pools, caches, lazy imports);
2. for each N in ``--streams``: open N idle streams (distinct customers, token in the
   query as EventSource sends it), wait until every one has read ``: connected``, read the
   server's RSS, close them all, wait until the server counts 0 streams;
   per stream = (RSS with N open - RSS before) / N;
   with ``--idle-seconds``, also the server's CPU while they sit idle (heartbeats);
3. ``--rounds`` rounds of ``--cycles`` sequential connect/read/disconnect cycles, RSS
   read after each round once the server counts 0 streams.

The server's RSS is read from ``/proc/<pid>/status`` (the pid from ``sandbox status``);
the open-stream count from its ``storefront_sse_streams`` metric.

    SANDBOX_STATE_DIR=... .venv/bin/python benchmarks/bench_storefront_sse.py \\
        --streams 2000 10000 --cycles 1000 --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import httpx

from services.kernel.auth import issue_token

BATCH = 500
DEADLINE_S = 120.0


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def open_streams(base_url: str) -> int:
    text = httpx.get(f"{base_url}/metrics", timeout=10).text
    line = next(x for x in text.splitlines() if x.startswith("storefront_sse_streams "))
    return int(float(line.split()[1]))


async def wait_for_zero(base_url: str) -> None:
    end = time.monotonic() + DEADLINE_S
    while open_streams(base_url) != 0:
        if time.monotonic() > end:
            raise RuntimeError("the server still counts open streams")
        await asyncio.sleep(0.2)


class Client:
    def __init__(self, host: str, port: int, key: str) -> None:
        self.host, self.port, self.key = host, port, key

    def request(self) -> bytes:
        token = issue_token(uuid4(), self.key, now=datetime.now(UTC), ttl=timedelta(hours=1))
        return f"GET /sse/storefront?access_token={token} HTTP/1.1\r\nHost: b\r\n\r\n".encode()

    async def connect(self) -> asyncio.StreamWriter:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        writer.write(self.request())
        seen = b""
        async with asyncio.timeout(DEADLINE_S):
            while b": connected" not in seen:
                chunk = await reader.read(4096)
                if not chunk:
                    raise RuntimeError(f"stream closed early: {seen[:200]!r}")
                seen += chunk
        if not seen.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(f"unexpected answer: {seen[:200]!r}")
        return writer


async def hold(client: Client, count: int) -> list[asyncio.StreamWriter]:
    writers: list[asyncio.StreamWriter] = []
    for start in range(0, count, BATCH):
        size = min(BATCH, count - start)
        writers += await asyncio.gather(*(client.connect() for _ in range(size)))
    return writers


async def close_all(writers: list[asyncio.StreamWriter]) -> None:
    for writer in writers:
        writer.close()
    await asyncio.gather(*(w.wait_closed() for w in writers), return_exceptions=True)


async def run(args: argparse.Namespace, pid: int, base_url: str, key: str) -> dict[str, object]:
    client = Client("127.0.0.1", int(base_url.rsplit(":", 1)[1]), key)
    await close_all(await hold(client, 200))
    await wait_for_zero(base_url)
    results: dict[str, object] = {"pid": pid, "idle": [], "cycles": []}
    for count in args.streams:
        before = rss_kib(pid)
        writers = await hold(client, count)
        assert open_streams(base_url) >= count
        during = rss_kib(pid)
        idle_cpu = None
        if args.idle_seconds > 0:  # heartbeats are nearly all an idle stream costs
            started = cpu_seconds(pid)
            await asyncio.sleep(args.idle_seconds)
            idle_cpu = round((cpu_seconds(pid) - started) / args.idle_seconds, 4)
        await close_all(writers)
        await wait_for_zero(base_url)
        after = rss_kib(pid)
        per_stream = (during - before) * 1024 / count
        row = {"streams": count, "rss_before_kib": before, "rss_open_kib": during,
               "rss_after_close_kib": after, "bytes_per_stream": round(per_stream),
               "idle_cpu_fraction_of_a_core": idle_cpu}  # fmt: skip
        results["idle"].append(row)  # type: ignore[attr-defined]
        print(json.dumps(row), flush=True)
    for round_number in range(1, args.rounds + 1):
        before = rss_kib(pid)
        started = time.monotonic()
        for _ in range(args.cycles):
            await close_all([await client.connect()])
        await wait_for_zero(base_url)
        row = {"round": round_number, "cycles": args.cycles, "rss_before_kib": before,
               "rss_after_kib": rss_kib(pid), "growth_kib": rss_kib(pid) - before,
               "seconds": round(time.monotonic() - started, 1)}  # fmt: skip
        results["cycles"].append(row)  # type: ignore[attr-defined]
        print(json.dumps(row), flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, nargs="*", default=[2000, 10000])
    parser.add_argument("--cycles", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--idle-seconds", type=float, default=0.0,
                        help="also measure the server's CPU while streams sit idle")  # fmt: skip
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    args = parser.parse_args()
    state_dir = Path(os.environ.get("SANDBOX_STATE_DIR", ".sandbox"))
    status = subprocess.run(
        [str(Path(sys.executable).parent / "sandbox"), "status", "--json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    storefront = next(c for c in json.loads(status.stdout) if c["name"] == "storefront")
    key = json.loads((state_dir / "secrets.json").read_text())["auth/signing-key"]
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    base_url = f"http://127.0.0.1:{storefront['port']}"
    results = asyncio.run(run(args, int(storefront["pid"]), base_url, key))
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""The network injector against a real toxiproxy-server, proven on real TCP traffic.

Two proxies ("client->echo", "other->echo", names with '>' like the sandbox's links) lead
to a threaded echo server; each fault is checked by what a client socket experiences.
"""

from __future__ import annotations

import json
import socket
import socketserver
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from chaos.faults import NetworkFault, Stream, ToxicKind
from chaos.network import NetworkInjector
from chaos.toxiproxy import Toxiproxy, ToxiproxyError

pytestmark = pytest.mark.sandbox

SERVER_BINARY = Path(__file__).resolve().parents[2] / ".tools" / "bin" / "toxiproxy-server"
LINK = "client->echo"
OTHER_LINK = "other->echo"
READ_TIMEOUT_S = 2.0


class _EchoHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        try:
            while data := self.request.recv(65536):
                self.request.sendall(data)
        except OSError:
            pass  # the proxy cut the connection: that is what the faults are for


class _EchoServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True


@dataclass(frozen=True)
class ProxyRig:
    api_url: str
    ports: dict[str, int]  # link name -> port Toxiproxy listens on for it


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for_api(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 10.0
    last_error = "no answer yet"
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"toxiproxy-server exited with {server.returncode}: {log.read_text()}")
        try:
            if httpx.get(f"{url}/proxies", timeout=1.0, trust_env=False).is_success:
                return
        except httpx.HTTPError as exc:
            last_error = repr(exc)
        time.sleep(0.05)
    pytest.fail(f"toxiproxy-server API at {url} not ready within 10 s ({last_error})")


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProxyRig]:
    echo = _EchoServer(("127.0.0.1", 0), _EchoHandler)
    echo_thread = threading.Thread(target=echo.serve_forever, daemon=True)
    echo_thread.start()
    workdir = tmp_path_factory.mktemp("toxiproxy")
    ports = {LINK: _free_port(), OTHER_LINK: _free_port()}
    upstream = f"127.0.0.1:{echo.server_address[1]}"
    config = [
        {"name": name, "listen": f"127.0.0.1:{port}", "upstream": upstream, "enabled": True}
        for name, port in ports.items()
    ]
    (workdir / "config.json").write_text(json.dumps(config))
    api_port = _free_port()
    command = [str(SERVER_BINARY), "-host", "127.0.0.1", "-port", str(api_port)]
    command += ["-config", str(workdir / "config.json")]
    log = workdir / "toxiproxy.log"
    with log.open("wb") as log_file:
        server = subprocess.Popen(
            command,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        api_url = f"http://127.0.0.1:{api_port}"
        _wait_for_api(api_url, server, log)
        yield ProxyRig(api_url, ports)
    finally:
        server.kill()
        server.wait(timeout=10)
        echo.shutdown()
        echo.server_close()
        echo_thread.join(timeout=5)


@pytest.fixture
def toxiproxy(rig: ProxyRig) -> Iterator[Toxiproxy]:
    with Toxiproxy(rig.api_url) as client:
        yield client
        client.reset()  # a failed test must not leak its fault into the next one


@pytest.fixture
def injector(toxiproxy: Toxiproxy) -> NetworkInjector:
    return NetworkInjector(toxiproxy)


def _connect(port: int) -> socket.socket:
    conn = socket.create_connection(("127.0.0.1", port), timeout=READ_TIMEOUT_S)
    conn.settimeout(READ_TIMEOUT_S)
    return conn


def _round_trip(port: int, payload: bytes = b"ping") -> bytes:
    with _connect(port) as conn:
        conn.sendall(payload)
        received = b""
        while len(received) < len(payload):
            chunk = conn.recv(65536)
            if not chunk:
                break
            received += chunk
        return received


def _fault(kind: ToxicKind, links: tuple[str, ...] = (LINK,), **attributes: int) -> NetworkFault:
    return NetworkFault(kind=kind, links=links, at_s=0.0, duration_s=1.0, attributes=attributes)


def test_echo_passes_through_a_clean_proxy(rig: ProxyRig, injector: NetworkInjector) -> None:
    assert _round_trip(rig.ports[LINK]) == b"ping"
    assert injector.leftovers() == []


def test_latency_delays_a_round_trip(rig: ProxyRig, injector: NetworkInjector) -> None:
    latency_ms = 300
    fault = _fault(ToxicKind.LATENCY, latency=latency_ms)

    evidence = injector.apply(fault)
    started = time.monotonic()
    assert _round_trip(rig.ports[LINK]) == b"ping"
    elapsed = time.monotonic() - started
    injector.rollback(fault)

    assert evidence == f"latency toxic active on 1/1 proxies ({LINK})"
    assert latency_ms / 1000 * 0.8 <= elapsed < latency_ms / 1000 + 1.5
    started = time.monotonic()
    assert _round_trip(rig.ports[LINK]) == b"ping"
    assert time.monotonic() - started < latency_ms / 1000 * 0.8, "latency outlived rollback"
    assert injector.leftovers() == []


def test_down_cuts_every_link_and_rollback_restores_it(
    rig: ProxyRig, injector: NetworkInjector
) -> None:
    fault = _fault(ToxicKind.DOWN, links=(LINK, OTHER_LINK))

    evidence = injector.apply(fault)

    assert evidence == f"down: 2/2 proxies disabled ({LINK}, {OTHER_LINK})"
    assert injector.leftovers() == [f"proxy {LINK} is disabled", f"proxy {OTHER_LINK} is disabled"]
    for link in (LINK, OTHER_LINK):
        with pytest.raises(ConnectionRefusedError):  # the proxy no longer listens
            _round_trip(rig.ports[link])
    injector.rollback(fault)
    injector.rollback(fault)  # idempotent
    assert [_round_trip(rig.ports[link]) for link in (LINK, OTHER_LINK)] == [b"ping", b"ping"]
    assert injector.leftovers() == []


def test_reset_peer_resets_the_connection(rig: ProxyRig, injector: NetworkInjector) -> None:
    fault = _fault(ToxicKind.RESET_PEER, timeout=0)
    injector.apply(fault)

    with pytest.raises(ConnectionResetError):
        _round_trip(rig.ports[LINK])
    injector.rollback(fault)
    assert _round_trip(rig.ports[LINK]) == b"ping"


def test_limit_data_closes_after_the_limit(rig: ProxyRig, injector: NetworkInjector) -> None:
    fault = _fault(ToxicKind.LIMIT_DATA, bytes=10)
    injector.apply(fault)

    with _connect(rig.ports[LINK]) as conn:
        conn.sendall(b"x" * 100)
        received = b""
        while chunk := conn.recv(65536):  # ends when the proxy closes the connection
            received += chunk
    injector.rollback(fault)

    assert received == b"x" * 10
    assert _round_trip(rig.ports[LINK], b"y" * 100) == b"y" * 100


def test_timeout_black_holes_the_traffic(rig: ProxyRig, injector: NetworkInjector) -> None:
    fault = _fault(ToxicKind.TIMEOUT, timeout=0)
    injector.apply(fault)

    with _connect(rig.ports[LINK]) as conn:
        conn.settimeout(0.5)
        conn.sendall(b"ping")
        with pytest.raises(TimeoutError):
            conn.recv(65536)
    injector.rollback(fault)
    assert _round_trip(rig.ports[LINK]) == b"ping"


def test_upstream_toxic_is_named_after_its_stream(
    injector: NetworkInjector, toxiproxy: Toxiproxy
) -> None:
    fault = NetworkFault(
        kind=ToxicKind.LATENCY,
        links=(LINK, OTHER_LINK),
        at_s=0.0,
        duration_s=1.0,
        attributes={"latency": 10, "jitter": 1},
        stream=Stream.UPSTREAM,
        toxicity=0.5,
    )
    evidence = injector.apply(fault)

    toxic = toxiproxy.proxies()[OTHER_LINK].toxics[0]
    assert evidence == f"latency toxic active on 2/2 proxies ({LINK}, {OTHER_LINK})"
    assert (toxic.name, toxic.type, toxic.stream, toxic.toxicity) == (
        "chaos-latency-upstream",
        "latency",
        "upstream",
        0.5,
    )
    assert toxic.attributes == {"latency": 10, "jitter": 1}
    injector.rollback(fault)
    assert injector.leftovers() == []


def test_rollback_all_clears_several_faults(injector: NetworkInjector) -> None:
    injector.apply(_fault(ToxicKind.LATENCY, links=(LINK, OTHER_LINK), latency=50))
    injector.apply(_fault(ToxicKind.BANDWIDTH, rate=100))
    injector.apply(_fault(ToxicKind.DOWN, links=(OTHER_LINK,)))
    assert len(injector.leftovers()) == 4

    injector.rollback_all()

    assert injector.leftovers() == []


def test_rollback_undoes_an_apply_that_failed_half_way(injector: NetworkInjector) -> None:
    fault = _fault(ToxicKind.SLICER, links=(LINK, "missing->link"), average_size=8)

    with pytest.raises(ToxiproxyError, match="missing->link"):
        injector.apply(fault)
    assert injector.leftovers() == [f"toxic chaos-slicer-downstream (slicer downstream) on {LINK}"]
    injector.rollback(fault)
    assert injector.leftovers() == []


def test_unknown_proxy_is_named_in_the_error(toxiproxy: Toxiproxy) -> None:
    with pytest.raises(ToxiproxyError, match=r"'nope->nowhere'.*HTTP 404 proxy not found"):
        toxiproxy.add_toxic("nope->nowhere", "chaos-latency", "latency", "downstream", 1.0, {})


def test_duplicate_toxic_is_refused(injector: NetworkInjector) -> None:
    fault = _fault(ToxicKind.LATENCY, latency=10)
    injector.apply(fault)
    with pytest.raises(ToxiproxyError, match="HTTP 409 toxic already exists"):
        injector.apply(fault)


def test_unknown_attribute_is_refused_before_any_change(injector: NetworkInjector) -> None:
    with pytest.raises(ValueError, match="'latnecy'"):
        injector.apply(_fault(ToxicKind.LATENCY, latnecy=100))
    assert injector.leftovers() == []

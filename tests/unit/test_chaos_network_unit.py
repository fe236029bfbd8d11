"""Network injector rules that need no Toxiproxy: validation, proof of effect, errors."""

from __future__ import annotations

import socket

import pytest

from chaos.faults import NetworkFault, ToxicKind
from chaos.network import NetworkInjector, toxic_name
from chaos.toxiproxy import Proxy, Toxiproxy, ToxiproxyError


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class IgnoringToxiproxy(Toxiproxy):
    """Accepts every request and changes nothing, as a misconfigured proxy might."""

    def __init__(self, names: tuple[str, ...]) -> None:
        super().__init__(_closed_port_url())
        self._proxies = {name: Proxy(name, "l", "u", True, ()) for name in names}

    def proxies(self) -> dict[str, Proxy]:
        return dict(self._proxies)

    def add_toxic(self, *args: object, **kwargs: object) -> None:
        pass

    def set_enabled(self, proxy: str, enabled: bool) -> None:
        pass


def _fault(kind: ToxicKind, links: tuple[str, ...], **attributes: int) -> NetworkFault:
    return NetworkFault(kind=kind, links=links, at_s=0.0, duration_s=1.0, attributes=attributes)


@pytest.mark.parametrize("kind", [ToxicKind.LATENCY, ToxicKind.DOWN])
def test_apply_refuses_a_fault_that_did_not_take_effect(kind: ToxicKind) -> None:
    missing = r"0/2 proxies.*missing on a->b, c->d"
    with IgnoringToxiproxy(("a->b", "c->d")) as fake, pytest.raises(ToxiproxyError, match=missing):
        NetworkInjector(fake).apply(_fault(kind, ("a->b", "c->d")))


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (_fault(ToxicKind.LATENCY, ("a",), delay=5), "unknown attribute 'delay' for a latency"),
        (_fault(ToxicKind.DOWN, ("a",), latency=5), "unknown attribute 'latency' for a down"),
        (_fault(ToxicKind.LATENCY, ()), "names no links"),
        (
            NetworkFault(ToxicKind.LATENCY, ("a",), 0.0, 1.0, toxicity=1.5),
            "toxicity must be within 0..1",
        ),
    ],
)
def test_invalid_faults_are_refused_before_any_request(fault: NetworkFault, message: str) -> None:
    # The server is unreachable: reaching it would raise ToxiproxyError, not ValueError.
    unreachable = Toxiproxy(_closed_port_url(), timeout_s=1.0)
    with unreachable, pytest.raises(ValueError, match=message):
        NetworkInjector(unreachable).apply(fault)


def test_unreachable_server_gives_one_line_naming_the_action() -> None:
    url = _closed_port_url()
    with Toxiproxy(url, timeout_s=1.0) as toxiproxy, pytest.raises(ToxiproxyError) as caught:
        toxiproxy.set_enabled("orders->rabbitmq", False)
    message = str(caught.value)
    assert message.startswith(f"Toxiproxy at {url} unreachable, could not disable proxy")
    assert "'orders->rabbitmq'" in message
    assert "\n" not in message


def test_toxic_name_carries_kind_and_stream() -> None:
    assert toxic_name(_fault(ToxicKind.RESET_PEER, ("a",))) == "chaos-reset_peer-downstream"

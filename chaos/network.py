"""Network faults on named Toxiproxy links: apply, prove, roll back.

A ``NetworkFault`` becomes one toxic per link, named ``chaos-<kind>-<stream>``, or, for
``down``, every link's proxy disabled. The names are derived from the fault alone, so a
rollback needs no memory of the apply: it removes exactly those toxics (or re-enables
those proxies), and running it twice, or after an apply that failed half-way, is safe.

``apply`` reads the proxies back and refuses to report success unless every link shows
the fault: a run whose fault never happened would otherwise pass for a resilient system.
"""

from __future__ import annotations

from chaos.faults import TOXIC_ATTRIBUTES, NetworkFault, ToxicKind
from chaos.toxiproxy import Proxy, Toxiproxy, ToxiproxyError


def toxic_name(fault: NetworkFault) -> str:
    return f"chaos-{fault.kind.value}-{fault.stream.value}"


def validate(fault: NetworkFault) -> None:
    """Reject a fault Toxiproxy would silently accept but not apply as meant.

    Toxiproxy ignores attributes it does not know (a typo such as ``latnecy`` yields a
    harmless 0 ms toxic), so the names are checked here against ``TOXIC_ATTRIBUTES``.
    """
    if not fault.links:
        raise ValueError(f"network fault {fault.label!r} names no links")
    allowed = TOXIC_ATTRIBUTES[fault.kind]
    for attribute in fault.attributes:
        if attribute not in allowed:
            known = ", ".join(sorted(allowed)) or "none"
            raise ValueError(
                f"unknown attribute {attribute!r} for a {fault.kind.value} toxic (known: {known})"
            )
    if not 0.0 <= fault.toxicity <= 1.0:
        raise ValueError(f"toxicity must be within 0..1, got {fault.toxicity}")


class NetworkInjector:
    def __init__(self, toxiproxy: Toxiproxy) -> None:
        self._toxiproxy = toxiproxy

    def apply(self, fault: NetworkFault) -> str:
        """Inject the fault on every link and return evidence that it is in place.

        Raises ``ToxiproxyError`` if a request fails or a link does not show the fault;
        the caller then calls ``rollback`` (which also undoes a partial apply).
        """
        validate(fault)
        name = toxic_name(fault)
        for link in fault.links:
            if fault.kind is ToxicKind.DOWN:
                self._toxiproxy.set_enabled(link, False)
            else:
                self._toxiproxy.add_toxic(
                    link,
                    name,
                    fault.kind.value,
                    fault.stream.value,
                    fault.toxicity,
                    dict(fault.attributes),
                )
        return self._evidence(fault)

    def rollback(self, fault: NetworkFault) -> None:
        """Undo ``apply(fault)``: idempotent, and a link that does not exist has nothing
        to undo. Every link is attempted before the first failure is raised."""
        present = self._toxiproxy.proxies()
        name = toxic_name(fault)
        failures: list[ToxiproxyError] = []
        for link in fault.links:
            proxy = present.get(link)
            if proxy is None:
                continue
            try:
                if fault.kind is ToxicKind.DOWN:
                    if not proxy.enabled:
                        self._toxiproxy.set_enabled(link, True)
                else:
                    self._toxiproxy.remove_toxic(link, name)
            except ToxiproxyError as exc:
                failures.append(exc)
        if failures:
            raise failures[0]

    def rollback_all(self) -> None:
        """Emergency cleanup (Ctrl-C, crash): every proxy enabled, every toxic gone."""
        self._toxiproxy.reset()

    def leftovers(self) -> list[str]:
        """Every toxic still present and every proxy still disabled, one line each."""
        found: list[str] = []
        for proxy in sorted(self._toxiproxy.proxies().values(), key=lambda p: p.name):
            if not proxy.enabled:
                found.append(f"proxy {proxy.name} is disabled")
            found.extend(
                f"toxic {toxic.name} ({toxic.type} {toxic.stream}) on {proxy.name}"
                for toxic in proxy.toxics
            )
        return found

    def _evidence(self, fault: NetworkFault) -> str:
        present = self._toxiproxy.proxies()
        showing = [link for link in fault.links if _shows(present.get(link), fault)]
        missing = [link for link in fault.links if link not in showing]
        count = f"{len(showing)}/{len(fault.links)} proxies"
        if fault.kind is ToxicKind.DOWN:
            what = f"down: {count} disabled"
        else:
            what = f"{fault.kind.value} toxic active on {count}"
        if missing:
            raise ToxiproxyError(
                f"fault not in place after apply, {what}; missing on {', '.join(missing)}"
            )
        return f"{what} ({', '.join(showing)})"


def _shows(proxy: Proxy | None, fault: NetworkFault) -> bool:
    if proxy is None:
        return False
    if fault.kind is ToxicKind.DOWN:
        return not proxy.enabled
    name = toxic_name(fault)
    return any(
        toxic.name == name and toxic.type == fault.kind.value and toxic.stream == fault.stream
        for toxic in proxy.toxics
    )

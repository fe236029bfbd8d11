"""A small synchronous client of Toxiproxy's HTTP API (v2).

Only what the chaos engine needs: list proxies with their toxics, add and remove a toxic,
enable or disable a proxy, reset everything. Every failure, whether the server answered
with an error or could not be reached, becomes one ``ToxiproxyError`` whose one-line
message names the proxy or toxic concerned and the HTTP status and body.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote

import httpx


class ToxiproxyError(Exception):
    """Toxiproxy refused a request, answered something unexpected, or was unreachable."""


@dataclass(frozen=True)
class Toxic:
    name: str
    type: str
    stream: str
    toxicity: float
    attributes: dict[str, int]


@dataclass(frozen=True)
class Proxy:
    name: str
    listen: str
    upstream: str
    enabled: bool
    toxics: tuple[Toxic, ...]


class Toxiproxy:
    def __init__(self, base_url: str, timeout_s: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        # trust_env=False: an HTTP(S)_PROXY in the environment must not reroute 127.0.0.1.
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout_s, trust_env=False)

    def version(self) -> str:
        body = self._request("GET", "/version", "read the version").json()
        return str(body["version"]) if isinstance(body, dict) and "version" in body else ""

    def proxies(self) -> dict[str, Proxy]:
        body = self._request("GET", "/proxies", "list proxies").json()
        if not isinstance(body, dict):
            raise ToxiproxyError(f"Toxiproxy at {self.base_url}: GET /proxies gave {body!r:.200}")
        return {name: _parse_proxy(name, raw) for name, raw in body.items()}

    def add_toxic(
        self,
        proxy: str,
        name: str,
        kind: str,
        stream: str,
        toxicity: float,
        attributes: dict[str, int],
    ) -> None:
        payload = {
            "name": name,
            "type": kind,
            "stream": stream,
            "toxicity": toxicity,
            "attributes": attributes,
        }
        action = f"add toxic {name!r} ({kind}) to proxy {proxy!r}"
        self._request("POST", f"/proxies/{_segment(proxy)}/toxics", action, json=payload)

    def remove_toxic(self, proxy: str, name: str) -> None:
        """Remove a toxic; one already gone is fine (rollbacks run more than once)."""
        path = f"/proxies/{_segment(proxy)}/toxics/{_segment(name)}"
        action = f"remove toxic {name!r} from proxy {proxy!r}"
        self._request("DELETE", path, action, missing_ok="toxic not found")

    def set_enabled(self, proxy: str, enabled: bool) -> None:
        action = f"{'enable' if enabled else 'disable'} proxy {proxy!r}"
        self._request("POST", f"/proxies/{_segment(proxy)}", action, json={"enabled": enabled})

    def reset(self) -> None:
        """Re-enable every proxy and remove every toxic."""
        self._request("POST", "/reset", "reset all proxies")

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _request(
        self,
        method: str,
        path: str,
        action: str,
        json: dict[str, Any] | None = None,
        missing_ok: str | None = None,
    ) -> httpx.Response:
        """Send one request; ``missing_ok`` names the 404 error text that counts as success."""
        try:
            response = self._http.request(method, path, json=json)
        except httpx.HTTPError as exc:
            raise ToxiproxyError(
                f"Toxiproxy at {self.base_url} unreachable, could not {action}: "
                f"{type(exc).__name__}: {' '.join(str(exc).split())}"
            ) from exc
        if response.is_success:
            return response
        reason = _error_text(response)
        if response.status_code == 404 and missing_ok is not None and reason == missing_ok:
            return response
        raise ToxiproxyError(f"Toxiproxy could not {action}: HTTP {response.status_code} {reason}")


def _segment(name: str) -> str:
    # Link names hold characters such as '>' ("orders->rabbitmq"): quote every one.
    return quote(name, safe="")


def _error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return str(body["error"])
    return " ".join(response.text.split())[:200] or "(empty body)"


def _parse_proxy(name: str, raw: Any) -> Proxy:
    try:
        return Proxy(
            name=str(raw["name"]),
            listen=str(raw["listen"]),
            upstream=str(raw["upstream"]),
            enabled=bool(raw["enabled"]),
            toxics=tuple(
                Toxic(
                    name=str(toxic["name"]),
                    type=str(toxic["type"]),
                    stream=str(toxic["stream"]),
                    toxicity=float(toxic["toxicity"]),
                    attributes={
                        key: int(value) for key, value in (toxic["attributes"] or {}).items()
                    },
                )
                for toxic in raw["toxics"] or ()
            ),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ToxiproxyError(
            f"Toxiproxy described proxy {name!r} in an unexpected shape: {exc!r}"
        ) from exc

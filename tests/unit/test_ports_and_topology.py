from __future__ import annotations

import socket

import pytest

from sandbox.errors import PortBusy
from sandbox.ports import MAX_REPLICAS, PORT_SPAN, PortPlan, port_is_free, require_free
from sandbox.service_catalog import ServiceSpec, validate_catalog
from sandbox.topology import build_links, planned_ports, toxiproxy_config

SHOP = (
    ServiceSpec("catalog", "Product Catalog", "services.catalog"),
    ServiceSpec("orders", "Orders", "services.orders"),
    ServiceSpec("storefront", "Storefront", "services.storefront", calls=("catalog", "orders"),
                uses_broker=True),
)  # fmt: skip


def test_port_plan_is_derived_from_the_base_and_never_overlaps() -> None:
    plan = PortPlan(30000)
    ports = planned_ports(plan, services=SHOP)
    assert len(set(ports.values())) == len(ports), "two owners share a port"
    assert min(ports.values()) == 30000
    assert max(ports.values()) < 30000 + PORT_SPAN


def test_replicas_get_their_own_ports_and_replica_one_keeps_its_port() -> None:
    plan = PortPlan(30000)
    alone = planned_ports(plan, services=SHOP)
    scaled = planned_ports(plan, MAX_REPLICAS, services=SHOP)
    assert {name: scaled[name] for name in alone} == alone
    assert len(set(scaled.values())) == len(scaled), "two owners share a port"
    assert {"storefront-2", f"storefront-{MAX_REPLICAS}"} <= set(scaled)
    assert max(scaled.values()) < 30000 + PORT_SPAN
    with pytest.raises(ValueError, match="replica"):
        plan.service(0, MAX_REPLICAS + 1)


def test_two_plans_a_span_apart_share_no_port() -> None:
    first = set(planned_ports(PortPlan(30000), services=SHOP).values())
    second = set(planned_ports(PortPlan(30000 + PORT_SPAN), services=SHOP).values())
    assert not first & second


@pytest.mark.parametrize("base", [80, 65500])
def test_port_base_out_of_range_is_refused(base: int) -> None:
    with pytest.raises(ValueError, match="port base"):
        PortPlan(base)


def test_every_dependency_becomes_a_named_link_to_the_real_port() -> None:
    plan = PortPlan(30000)
    links = {link.name: link for link in build_links(plan, SHOP)}
    assert set(links) == {
        "catalog->postgres", "catalog->rabbitmq",
        "orders->postgres", "orders->rabbitmq",
        "storefront->postgres", "storefront->rabbitmq",
        "storefront->catalog", "storefront->orders",
    }  # fmt: skip
    assert links["orders->rabbitmq"].upstream_port == plan.amqp
    assert links["storefront->catalog"].upstream_port == plan.service(0)
    assert len({link.listen_port for link in links.values()}) == len(links)


def test_adding_a_service_adds_its_links() -> None:
    plan = PortPlan(30000)
    fewer = build_links(plan, SHOP[:2])
    more = build_links(plan, SHOP)
    assert {link.name for link in more} - {link.name for link in fewer} == {
        "storefront->postgres", "storefront->rabbitmq",
        "storefront->catalog", "storefront->orders",
    }  # fmt: skip


def test_toxiproxy_config_lists_every_link_enabled() -> None:
    import json

    links = build_links(PortPlan(30000), SHOP)
    proxies = json.loads(toxiproxy_config(links))
    assert [p["name"] for p in proxies] == [link.name for link in links]
    assert all(p["enabled"] and p["listen"].startswith("127.0.0.1:") for p in proxies)


def test_catalog_with_unknown_call_is_rejected() -> None:
    bad = (ServiceSpec("a", "A", "services.a", calls=("ghost",)),)
    with pytest.raises(ValueError, match="unknown services"):
        validate_catalog(bad)


def test_real_catalog_is_valid() -> None:
    validate_catalog()


def test_busy_port_is_reported_with_its_owner() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        assert not port_is_free(port)
        with pytest.raises(PortBusy, match=f"port {port} \\(postgres\\)"):
            require_free({"postgres": port})

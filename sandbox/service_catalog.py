"""The services catalog: which services the sandbox runs and what each one talks to.

This is the single declarative source of the topology: a service's database, broker and
HTTP dependencies become named Toxiproxy links (see ``sandbox.topology``), environment
variables and readiness checks. Adding a service here adds all of its links.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceSpec:
    """One service of the shop, as the orchestrator sees it."""

    name: str
    title: str
    module: str
    calls: tuple[str, ...] = ()
    uses_database: bool = True
    uses_broker: bool = True

    @property
    def app_factory(self) -> str:
        return f"{self.module}.main:create_app"


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("catalog", "Product Catalog", "services.catalog"),
    ServiceSpec("identity", "Customer Identity", "services.identity"),
    ServiceSpec("inventory", "Inventory", "services.inventory"),
    ServiceSpec("payments", "Payments", "services.payments"),
    ServiceSpec("fulfillment", "Fulfillment", "services.fulfillment"),
    ServiceSpec("shopping", "Shopping", "services.shopping", calls=("catalog",)),
    ServiceSpec("orders", "Orders", "services.orders", calls=("identity",)),
    ServiceSpec(
        "storefront",
        "Storefront",
        "services.storefront",
        calls=("catalog", "identity", "inventory", "shopping", "orders"),
    ),
)


@dataclass(frozen=True)
class ServiceInstance:
    """One running copy of a service: replica 1 carries the service's own name."""

    spec: ServiceSpec
    index: int
    replica: int

    @property
    def name(self) -> str:
        return self.spec.name if self.replica == 1 else f"{self.spec.name}-{self.replica}"


def service_names() -> list[str]:
    return [spec.name for spec in SERVICES]


def service_instances(
    replicas: int, services: tuple[ServiceSpec, ...] = SERVICES
) -> list[ServiceInstance]:
    """Every copy of every service, first replicas first, in catalog order."""
    return [
        ServiceInstance(spec, index, replica)
        for replica in range(1, replicas + 1)
        for index, spec in enumerate(services)
    ]


def find_service(name: str) -> ServiceSpec | None:
    return next((spec for spec in SERVICES if spec.name == name), None)


def validate_catalog(services: tuple[ServiceSpec, ...] = SERVICES) -> None:
    """Reject duplicate names and calls to services that are not in the catalog."""
    names = [spec.name for spec in services]
    duplicates = {name for name in names if names.count(name) > 1}
    if duplicates:
        raise ValueError(f"duplicate services in catalog: {sorted(duplicates)}")
    for spec in services:
        unknown = [target for target in spec.calls if target not in names]
        if unknown:
            raise ValueError(f"{spec.name} calls unknown services: {unknown}")
        if spec.name in spec.calls:
            raise ValueError(f"{spec.name} calls itself")

"""FastAPI dependencies of the Orders routes; ``main`` puts the wiring on ``app.state``.

Tests replace ``get_units`` and ``get_address_book`` with fakes
(``app.dependency_overrides``) and pass their own clock and id source in the wiring.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request

from services.kernel.runtime import RuntimeDep
from services.orders.identity import AddressBook
from services.orders.ports import UnitOfWorkFactory
from services.orders.units import PostgresUnitOfWorkFactory, PublishOnConnection


@dataclass(frozen=True)
class OrdersWiring:
    """What the routes need besides the runtime: set once by the composition root."""

    publish: PublishOnConnection
    now: Callable[[], datetime]
    new_order_id: Callable[[], UUID]


def get_wiring(request: Request) -> OrdersWiring:
    wiring = getattr(request.app.state, "orders", None)
    if not isinstance(wiring, OrdersWiring):
        raise RuntimeError("the Orders app was built without its wiring (see services.orders.main)")
    return wiring


WiringDep = Annotated[OrdersWiring, Depends(get_wiring)]


def get_units(runtime: RuntimeDep, wiring: WiringDep) -> UnitOfWorkFactory:
    return PostgresUnitOfWorkFactory(runtime.database, wiring.publish)


def get_address_book(request: Request) -> AddressBook:
    book = getattr(request.app.state, "address_book", None)
    if book is None:
        raise RuntimeError("the address book exists only while the app's lifespan runs")
    return book  # type: ignore[no-any-return]


UnitsDep = Annotated[UnitOfWorkFactory, Depends(get_units)]
AddressBookDep = Annotated[AddressBook, Depends(get_address_book)]

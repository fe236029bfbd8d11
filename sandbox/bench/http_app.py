"""The tiny FastAPI app the `http` and `sse` units talk to, run by uvicorn in its own
process with the services' flags: a small GET, a small POST with a pydantic body (both with
declared return models, as the services write them), and an SSE stream of small events."""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import FastAPI, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

MAX_EVENTS_PER_STREAM = 100_000


class Item(BaseModel):
    id: int
    sku: str
    name: str
    price_cents: int
    in_stock: bool


class OrderLine(BaseModel):
    customer: str
    sku: str
    quantity: int
    price_cents: int
    note: str


class Accepted(BaseModel):
    id: int
    status: str
    total_cents: int


def _frame(number: int) -> bytes:
    data = f'{{"eventType":"bench-tick","n":{number},"status":"Placed"}}'
    return f"id: {number}\nevent: bench-tick\ndata: {data}\n\n".encode()


async def _events(count: int) -> AsyncIterator[bytes]:
    for number in range(1, count + 1):
        yield _frame(number)  # one send per event, as a live stream sends them


def create_app() -> FastAPI:
    app = FastAPI(title="bench", openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/health")
    async def health() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/items/{item_id}")
    async def item(item_id: int) -> Item:
        return Item(
            id=item_id, sku=f"SKU-{item_id}", name="chew toy", price_cents=499, in_stock=True
        )

    @app.post("/orders")
    async def order(line: OrderLine) -> Accepted:
        return Accepted(id=1, status="Placed", total_cents=line.quantity * line.price_cents)

    @app.get("/events")
    async def events(count: int = Query(ge=1, le=MAX_EVENTS_PER_STREAM)) -> StreamingResponse:
        return StreamingResponse(_events(count), media_type="text/event-stream")

    return app

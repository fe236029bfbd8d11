"""Storefront: the shop's backend-for-frontend and each customer's live event stream.

Modules: ``main`` (composition root), ``api`` / ``orders_api`` / ``sse_api`` (routes),
``shop`` / ``checkout`` / ``order_history`` (composing the other services' answers),
``clients`` (one small client per upstream service), ``models`` (JSON bodies),
``deps`` (route dependencies), ``domain`` (pure: events -> notifications),
``handlers`` (message handlers), ``store`` (SQL), ``schema`` (migrations),
``metrics``, ``settings``, and ``sse`` (the event stream: framing, hub, listener,
stream, gateway).
"""

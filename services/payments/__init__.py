"""Payments: one payment per order, authorised on OrderPlaced by a simulated gateway,
captured or voided/refunded when Orders asks.

Modules: ``main`` (composition root), ``settings`` (gateway knobs), ``gateway`` (the
pure, seeded gateway), ``domain`` (payment transitions and the store port), ``store``
(PostgreSQL adapter), ``memory_store`` (fake), ``handlers`` (message handlers),
``api`` (read-only routes), ``models`` (JSON bodies), ``schema`` (migrations).
"""

"""Inventory: stock per SKU and warehouse, and all-or-nothing reservations per order.

Modules: ``main`` (composition root), ``api`` (routes), ``models`` (JSON bodies),
``domain`` (pure rules: stock levels, reservation plan, order transitions), ``ports``
(ledger and stock store), ``store`` (PostgreSQL adapters), ``memory_store`` (fake),
``handlers`` (message handlers), ``schema`` (migrations), ``seed`` (seed stock).
"""

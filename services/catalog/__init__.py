"""Product Catalog: products with prices and statuses (see ``main`` for the entry point).

Modules: ``main`` (composition root), ``api`` (routes), ``models`` (JSON bodies),
``domain`` (pure rules and the store port), ``store`` (PostgreSQL adapter),
``memory_store`` (in-memory fake), ``schema`` (migrations), ``seed`` (seed products).
"""

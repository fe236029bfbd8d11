"""Shopping: carts priced by the Product Catalog (see ``main`` for the entry point).

Modules: ``main`` (composition root), ``api`` (routes), ``models`` (JSON bodies),
``domain`` (pure cart rules), ``cart_service`` (use cases: one transaction and one
integration message each), ``catalog_client`` (prices over HTTP), ``store`` (SQL),
``schema`` (migrations).
"""

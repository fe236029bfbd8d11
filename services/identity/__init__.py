"""Customer Identity: customers, address books and login (see ``main`` for the entry point).

Modules: ``main`` (composition root), ``config`` (token settings), ``api`` (customer and
address routes), ``auth_api`` (login), ``models`` (JSON bodies), ``domain`` (pure rules and
the store port), ``passwords`` (hashing), ``store`` (PostgreSQL adapter), ``memory_store``
(in-memory fake), ``schema`` (migrations), ``seed`` (Alice and the load-test pool).
Tokens themselves are ``services.kernel.auth``, shared with the services that verify them.
"""

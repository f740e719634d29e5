"""Storage: the tables (``tables``, the one place they are defined), the engine and SQLite pragmas
(``engine``), write transactions (``transactions``) and schema migrations (``migrations``).
The lowest layer: it imports nothing of ``feedback`` but ``errors``.
"""

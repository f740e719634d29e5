"""People: roles and permission checks (``permissions``), accounts, passwords and sign-in (``accounts``),
users made by imports and the projects a user may see (``users``).
"""

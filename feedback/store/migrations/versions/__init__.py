"""The revisions of the schema, oldest first: ``0001_baseline`` is the schema of the last version before
migrations; every later file changes it by one step (Alembic ignores this ``__init__``).
"""

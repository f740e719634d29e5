"""Schema migrations run by Alembic through ``feedback.store.migrate``: ``env.py``, the template of a new
revision (``script.py.mako``), ``versions/`` (one file per revision, each a diff against the one before) and
``autogen`` (writes the next revision, for developers).
"""

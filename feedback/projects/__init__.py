"""Projects: create and configure them (``projects``), their label schema (``schema``, edited as a table by
``schema_editor``) and its versions (``schema_changes``), the check of one answer (``answers``), guidelines
(``guidelines``), gold items (``gold``) and item look-ups (``items``).
"""

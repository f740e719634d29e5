"""Projects: create and configure them (``projects``), their versioned label schema (``schema``), guidelines
(``guidelines``), gold items (``gold``) and item look-ups (``items``).
"""

"""Agreement: pure, vectorised metrics (``metrics``, ``alpha``, ``pairs``, ``ranking``, ``bootstrap``),
every figure of one question (``summary``) and the project's agreement report (``report``, the only module
here that reads the database).
"""

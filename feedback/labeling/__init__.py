"""Labeling: the queue (who gets which item next, leases, skips: ``queue``), an annotator's own skips and un-skip
(``skips``), submitting and editing answers (``annotate``), automatic escalation of a split item (``escalation``), the loaders that turn annotations
into DataFrames for the maths (``loaders``) and how far a project has got (``progress``).
"""

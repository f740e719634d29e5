"""Curation (pure): which items an export keeps and why the others were left out: the filters, exact and
near-duplicate prompts, and the train/test split grouped by prompt. The entry point is ``curate.curate``.
"""

"""Consensus: the one place that says what an item's answer is. Pure methods (majority, Dawid-Skene in
``methods`` and ``dawid_skene``) and ``answers``, which loads votes and reviewers' final decisions and
gives ``item_consensus`` (an adjudicated answer overrides every method).
"""

"""Other tools' preference data sets, imported as they are: PandaLM's JSON arrays (with its judges' verdicts) and
HH-RLHF's chosen/rejected dialogues, each turned record by record into an item of our own import format.
"""

"""Intake: importing agent outputs (``importer.import_file``): reading a file (``source``, ``csv_file``), checking
each line (``parse``, and the labels that come with it, ``labels``; the results in ``records``), bulk writes
(``write``), and the demo data set (``demo``).
"""

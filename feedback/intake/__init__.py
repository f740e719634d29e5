"""Intake: importing agent outputs (``importer.import_file``): parsing and checking each line (``parse``,
``csv_file``), bulk writes (``write``), and the demo data set (``demo``).
"""

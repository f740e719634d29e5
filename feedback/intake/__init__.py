"""Intake: importing agent outputs (``importer.import_file``): reading a file as a stream (``source``, ``csv_file``),
checking each line (``parse``, and the labels that come with it, ``labels``; the results in ``records``) and each
chunk against the project (``checks``), bulk writes (``write``) into batches made visible in one last step
(``batches``), and the demo data set (``demo``).
"""

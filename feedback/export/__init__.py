"""Export: fine-tuning datasets. ``build.build_export`` makes one (an ``ExportBundle``, ``bundle``; the files'
bytes, ``files``) from options (``options``), curation (``curation/``), rows per format (``rows``, ``formats``,
``targets``, ``rankings``, ``raw``) and their checks (``schemas``); ``versions`` saves it as an immutable
version with a manifest and a card (``card``).
"""

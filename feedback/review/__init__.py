"""Review: the reviewer's workflow over disputed items and decisions (``workflow``), annotator quality
(``quality``) and automatic judges beside the people (``judges``).
"""

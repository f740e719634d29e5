"""The ``feedback ...`` command line (``main.main``): thin translators over the same functions the pages
call, one module per command group.
"""

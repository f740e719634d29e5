"""``python -m feedback.cli``: the same as the ``feedback`` command."""

from feedback.cli.main import main

raise SystemExit(main())

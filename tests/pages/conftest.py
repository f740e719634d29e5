"""Page tests compute the agreement figures in the app's own process (a child process per computation costs seconds
of start-up each); ``test_background_figures`` checks the child process the app uses, and the browser tests run it."""

import pytest

from feedback.ui import cached


@pytest.fixture(autouse=True)
def figures_in_this_process(monkeypatch):
    monkeypatch.setattr(cached, "APART", False)

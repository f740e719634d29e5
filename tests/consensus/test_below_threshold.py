"""The review threshold's rule: shares compared as the whole percentages they are shown as."""

import numpy as np
import pytest

from feedback.consensus.methods import below_threshold
from feedback.figures import percent


@pytest.mark.parametrize("votes, of, threshold, below", [
    (2, 3, 0.67, False),  # the old default: a 2-of-3 majority (shown 67%) is not below 67%
    (2, 3, 0.6, False), (3, 5, 0.6, False), (3, 4, 0.67, False),
    (1, 2, 0.6, True), (2, 4, 0.6, True), (1, 3, 0.34, True), (2, 3, 0.7, True),
])
def test_a_share_is_below_the_threshold_as_the_page_prints_them(votes, of, threshold, below):
    assert bool(below_threshold(votes / of, threshold)) == below
    # what the page prints agrees: "below 67%" is never printed beside "a (67%)"
    assert (int(percent(votes / of)[:-1]) < int(percent(threshold)[:-1])) == below


def test_below_threshold_works_on_arrays():
    assert below_threshold(np.array([1 / 3, 2 / 3, 1.0]), 0.67).tolist() == [True, False, False]

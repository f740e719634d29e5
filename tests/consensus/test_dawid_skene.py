"""Dawid-Skene EM (Dawid & Skene 1979): a hand-worked round, recovery of the truth on synthetic data, determinism."""

import numpy as np
import pytest

from feedback.consensus.dawid_skene import dawid_skene


def test_one_round_worked_by_hand():
    # One item, two annotators who both say class 0; two classes; smoothing 0.5.
    # Start: vote shares T = [1, 0].
    # M-step: each annotator's row for true class 0 is (1 + .5, .5) / 2 = (.75, .25); for true class 1 it has
    # only the smoothing, (.5, .5) / 1 = (.5, .5). Priors (1 + .5, .5) / 2 = (.75, .25).
    # E-step: class 0: prior .75 times .75 for each annotator's "0" = .421875; class 1: prior .25 times .5
    # (the chance of saying "0" when the truth is 1) for each = .0625.
    # Posterior of class 0: .421875 / (.421875 + .0625) = 0.870968.
    fit = dawid_skene([0, 0], [0, 1], [0, 0], n_classes=2, smoothing=0.5, max_iter=1)
    assert fit.n_iter == 1 and not fit.converged
    np.testing.assert_allclose(fit.confusion[0], [[0.75, 0.25], [0.5, 0.5]])
    np.testing.assert_allclose(fit.confusion[1], [[0.75, 0.25], [0.5, 0.5]])
    np.testing.assert_allclose(fit.priors, [0.75, 0.25])
    assert fit.posterior[0, 0] == pytest.approx(0.421875 / (0.421875 + 0.0625))
    assert fit.posterior.sum() == pytest.approx(1.0)


def test_unanimous_annotators_give_a_confident_posterior_and_converge():
    # Three annotators agree on every one of four items (two of each class).
    items = np.repeat(np.arange(4), 3)
    annotators = np.tile(np.arange(3), 4)
    labels = np.repeat([0, 1, 0, 1], 3)
    fit = dawid_skene(items, annotators, labels)
    assert fit.converged and fit.n_iter < 200
    assert list(fit.posterior.argmax(axis=1)) == [0, 1, 0, 1]
    assert fit.posterior.max(axis=1).min() > 0.99
    np.testing.assert_allclose(fit.priors, [0.5, 0.5], atol=1e-6)
    assert (np.diagonal(fit.confusion, axis1=1, axis2=2) > 0.9).all()  # everyone looks reliable


def synthetic(n_items=3000, n_classes=3, accuracy=(0.9, None, None, None, None), seed=1):
    """Every annotator labels every item; ``None`` = answers uniformly at random."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, n_classes, n_items)
    items, annotators, labels = [], [], []
    for j, acc in enumerate(accuracy):
        random = rng.integers(0, n_classes, n_items)
        said = random if acc is None else np.where(rng.random(n_items) < acc, truth, random)
        items.append(np.arange(n_items))
        annotators.append(np.full(n_items, j))
        labels.append(said)
    return truth, np.concatenate(items), np.concatenate(annotators), np.concatenate(labels)


def plurality(items, labels, n_items, n_classes):
    counts = np.zeros((n_items, n_classes))
    np.add.at(counts, (items, labels), 1)
    top = counts.max(axis=1, keepdims=True)
    unique = (counts == top).sum(axis=1) == 1
    return np.where(unique, counts.argmax(axis=1), -1)  # a tie between top options is no answer


def test_one_good_annotator_among_weak_and_random_ones_is_found():
    # One good annotator (right 90% of the time, else random), two weak ones (50%) and three who answer at
    # random. (With *only* random company a good annotator cannot be told apart by anyone: nobody agrees with
    # them more than chance, so the data look the same as if all were random.)
    accuracy = (0.9, 0.5, 0.5, None, None, None)
    truth, items, annotators, labels = synthetic(accuracy=accuracy)
    fit = dawid_skene(items, annotators, labels, n_classes=3)
    ds_accuracy = (fit.posterior.argmax(axis=1) == truth).mean()
    majority_accuracy = (plurality(items, labels, len(truth), 3) == truth).mean()
    assert ds_accuracy > 0.9                       # about the good annotator's own 0.9 + 0.1/3
    assert ds_accuracy > majority_accuracy + 0.2   # the random three drown the majority in noise
    diagonal = np.diagonal(fit.confusion, axis1=1, axis2=2).mean(axis=1)
    expected = [0.9 + 0.1 / 3, 0.5 + 0.5 / 3, 0.5 + 0.5 / 3, 1 / 3, 1 / 3, 1 / 3]
    np.testing.assert_allclose(diagonal, expected, atol=0.04)


def test_missing_labels_and_items_without_any():
    truth, items, annotators, labels = synthetic(n_items=2000, accuracy=(0.85, 0.85, 0.6, None))
    rng = np.random.default_rng(5)
    keep = rng.random(len(items)) < 0.6          # 40% of the answers missing
    fit = dawid_skene(items[keep], annotators[keep], labels[keep], n_items=2001, n_classes=3)
    assert fit.posterior.shape == (2001, 3)
    np.testing.assert_allclose(fit.posterior[2000], fit.priors)   # the extra item has no labels: the prior
    assert (fit.posterior[:2000].argmax(axis=1) == truth).mean() > 0.85


def test_allowed_classes_restrict_the_posterior():
    # Three annotators agree on nine items (three of each class); on a tenth they all say 2, but it cannot
    # be class 2 (say it has no third candidate).
    truth = np.array([0, 1, 2] * 3 + [2])
    items, annotators = np.repeat(np.arange(10), 3), np.tile(np.arange(3), 10)
    allowed = np.ones((10, 3), dtype=bool)
    allowed[9, 2] = False
    fit = dawid_skene(items, annotators, truth[items], n_classes=3, allowed=allowed)
    assert fit.posterior[9, 2] == 0.0
    assert fit.posterior[9].sum() == pytest.approx(1.0)
    assert list(fit.posterior[:9].argmax(axis=1)) == list(truth[:9])


def test_deterministic_and_independent_of_input_order():
    _, items, annotators, labels = synthetic(n_items=500, seed=3)
    first = dawid_skene(items, annotators, labels)
    second = dawid_skene(items, annotators, labels)
    np.testing.assert_array_equal(first.posterior, second.posterior)
    np.testing.assert_array_equal(first.confusion, second.confusion)
    order = np.random.default_rng(0).permutation(len(items))
    shuffled = dawid_skene(items[order], annotators[order], labels[order])
    np.testing.assert_allclose(shuffled.posterior, first.posterior, atol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"items": [0, 1], "annotators": [0], "labels": [0, 0]}, "same length"),
        ({"items": [0], "annotators": [-1], "labels": [0]}, "negative"),
        ({"items": [0.5], "annotators": [0], "labels": [0]}, "integer"),
        ({"items": [0], "annotators": [0], "labels": [3], "n_classes": 2}, "beyond"),
        ({"items": [0], "annotators": [0], "labels": [0], "smoothing": 0}, "smoothing"),
        ({"items": [0], "annotators": [0], "labels": [0], "allowed": np.zeros((1, 1), bool)}, "at least one"),
    ],
)
def test_bad_input_is_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        dawid_skene(**kwargs)


def test_no_annotations_at_all():
    fit = dawid_skene(np.array([], int), np.array([], int), np.array([], int))
    assert fit.posterior.shape == (0, 0) and fit.converged

"""Dawid-Skene: each annotator's confusion matrix and a posterior over the true class of every item, by EM.

Dawid, A. P. and Skene, A. M. (1979), "Maximum likelihood estimation of observer error-rates using the EM
algorithm", Applied Statistics 28(1), 20-28. Pure numpy / scipy: integer codes in, arrays out, no database.

Model: item ``i`` has a true class ``k`` with prior ``p[k]``; annotator ``j`` who labels it says ``l`` with
probability ``pi[j, k, l]`` (their confusion matrix; rows sum to 1), independently of the others. Annotators
label any subset of the items (missing data is simply absent from the input).

EM as in the paper:
- start from the annotators' vote shares per item (a soft majority vote);
- M-step: ``pi[j, k, :]`` proportional to the expected number of times ``j`` said each label on items of true
  class ``k``, plus ``smoothing`` in every cell (so no row is zero and no probability is exactly 0); ``p``
  proportional to the expected class counts plus ``smoothing``;
- E-step: ``T[i, k]`` proportional to ``p[k] * prod over i's labels of pi[j, k, l]`` (in logs);
- stop when the log-likelihood changes by less than ``tol`` (relative) or after ``max_iter`` rounds.

``allowed`` (optional, items x classes) restricts the classes an item can have (e.g. an item with two
candidates cannot have "the third candidate is better" as its true class). Everything is vectorised: the
annotations are one sparse items x (annotator, label) matrix, so a round is two sparse products.
Deterministic: no randomness anywhere, the same input gives the same output.
"""

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.special import logsumexp


@dataclass(frozen=True)
class DawidSkeneResult:
    """``posterior`` (items x classes, rows sum to 1), ``confusion`` (annotators x true class x label, rows sum
    to 1), ``priors`` (classes), ``n_iter`` rounds run, ``converged``, final ``log_likelihood``."""

    posterior: np.ndarray
    confusion: np.ndarray
    priors: np.ndarray
    n_iter: int
    converged: bool
    log_likelihood: float


def _codes(values, name: str, size: int | None) -> tuple[np.ndarray, int]:
    codes = np.asarray(values)
    if codes.ndim != 1 or (codes.size and not np.issubdtype(codes.dtype, np.integer)):
        raise ValueError(f"{name} must be a 1-d array of integer codes")
    codes = codes.astype(np.int64, copy=False)
    top = int(codes.max()) + 1 if codes.size else 0
    if codes.size and codes.min() < 0:
        raise ValueError(f"{name} codes must not be negative")
    if size is None:
        size = top
    elif top > size:
        raise ValueError(f"{name} has code {top - 1}, beyond its size {size}")
    return codes, size


def dawid_skene(items, annotators, labels, *, n_items: int | None = None, n_annotators: int | None = None,
                n_classes: int | None = None, allowed: np.ndarray | None = None, smoothing: float = 0.01,
                tol: float = 1e-7, max_iter: int = 200) -> DawidSkeneResult:
    """Fit Dawid-Skene to annotations given as three equal-length integer arrays: one entry per annotation,
    ``items[n]`` (0..n_items-1), ``annotators[n]`` (0..n_annotators-1), ``labels[n]`` (0..n_classes-1).

    If an annotator labelled an item twice both labels count; pass one label per (item, annotator).
    Items without annotations get the prior (restricted to their ``allowed`` classes).
    """
    items, n_items = _codes(items, "items", n_items)
    annotators, n_annotators = _codes(annotators, "annotators", n_annotators)
    labels, n_classes = _codes(labels, "labels", n_classes)
    if not (len(items) == len(annotators) == len(labels)):
        raise ValueError("items, annotators and labels must have the same length")
    if smoothing <= 0:
        raise ValueError("smoothing must be positive (it keeps every probability above zero)")
    k = n_classes
    if allowed is None:
        mask = np.ones((n_items, k), dtype=bool)
    else:
        mask = np.asarray(allowed, dtype=bool)
        if mask.shape != (n_items, k):
            raise ValueError(f"allowed must have the shape (items, classes) = {(n_items, k)}, not {mask.shape}")
        if not mask.any(axis=1).all():
            raise ValueError("every item must allow at least one class")
    if k == 0 or n_items == 0:
        return DawidSkeneResult(np.zeros((n_items, k)), np.zeros((n_annotators, k, k)), np.zeros(k), 0, True, 0.0)

    pair = annotators * k + labels  # (annotator, label) as one column index
    ones = np.ones(len(items))
    # items x (annotator, label): how often each annotator gave each label to each item
    by_item = sparse.csr_matrix((ones, (items, pair)), shape=(n_items, n_annotators * k))
    by_item.sum_duplicates()
    by_pair = by_item.T.tocsr()
    log_mask = np.where(mask, 0.0, -np.inf)

    # Start: the vote shares per item (a soft majority vote), restricted to the allowed classes.
    votes = sparse.csr_matrix((ones, (items, labels)), shape=(n_items, k)).toarray() * mask
    totals = votes.sum(axis=1, keepdims=True)
    fallback = mask / mask.sum(axis=1, keepdims=True)
    post = np.where(totals > 0, votes / np.where(totals > 0, totals, 1.0), fallback)

    previous, converged, n_iter, log_lik = -np.inf, False, 0, -np.inf
    log_conf = log_prior = None
    for n_iter in range(1, max_iter + 1):
        # M-step: expected counts (annotator, label) x true class, smoothed, normalised over labels.
        counts = np.asarray(by_pair @ post).reshape(n_annotators, k, k).transpose(0, 2, 1) + smoothing
        confusion = counts / counts.sum(axis=2, keepdims=True)
        priors = post.sum(axis=0) + smoothing
        priors /= priors.sum()
        log_conf, log_prior = np.log(confusion), np.log(priors)
        # E-step: log p(true class) + sum of log p(label | true class) over each item's annotations.
        table = log_conf.transpose(0, 2, 1).reshape(n_annotators * k, k)  # (annotator, label) x true class
        joint = np.asarray(by_item @ table) + log_prior + log_mask
        norm = logsumexp(joint, axis=1, keepdims=True)
        post = np.exp(joint - norm)
        log_lik = float(norm.sum())
        if abs(log_lik - previous) <= tol * max(1.0, abs(log_lik)):
            converged = True
            break
        previous = log_lik
    return DawidSkeneResult(posterior=post, confusion=np.exp(log_conf), priors=np.exp(log_prior), n_iter=n_iter,
                            converged=converged, log_likelihood=log_lik)

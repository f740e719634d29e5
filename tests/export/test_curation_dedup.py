"""Duplicate prompts (feedback.export.curation.dedup): TF-IDF as scikit-learn computes it, near-duplicate pairs
against brute force, the exact-duplicate and greedy keep rules."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from feedback.export.curation.dedup import (
    MATCH_SLACK,
    exact_duplicates,
    greedy_keep,
    near_pairs,
    tfidf_matrix,
)
from feedback.export.curation.text import normalise


def corpus(n, seed, vocab=3000, a=1.15, dup_share=0.2):
    """Zipf-distributed pseudo words, 30-200 per text; some texts are edited copies of earlier ones."""
    rng = np.random.default_rng(seed)
    texts = []
    for k in range(n):
        if k and rng.random() < dup_share:
            words = texts[rng.integers(0, k)].split()
            for _ in range(rng.integers(1, 8)):
                words[rng.integers(0, len(words))] = f"w{min(rng.zipf(a), vocab)}"
            texts.append(" ".join(words))
        else:
            texts.append(" ".join(f"w{r}" for r in np.minimum(rng.zipf(a, rng.integers(30, 201)), vocab)))
    return texts


def brute(x, threshold):
    s = (x @ x.T).toarray()
    i, j = np.triu_indices(x.shape[0], 1)
    hit = s[i, j] >= threshold - MATCH_SLACK
    return set(zip(i[hit].tolist(), j[hit].tolist()))


def test_tfidf_matches_scikit_learn_vectorizer():
    texts = [normalise(t) for t in ["The cat sat on the mat.", "A dog; the DOG barked!", "x y z", "",
                                    "snake_case and CamelCase, 42 times", "the cat, the cat"]]
    ours = tfidf_matrix(texts)
    ref = TfidfVectorizer(lowercase=False)
    expected = ref.fit_transform(texts)
    assert ours.shape == expected.shape
    # same columns up to order: compare the Gram matrices (cosine similarities) and the row norms
    np.testing.assert_allclose((ours @ ours.T).toarray(), (expected @ expected.T).toarray(), atol=1e-12)
    np.testing.assert_allclose(np.sort(ours.toarray(), axis=1), np.sort(expected.toarray(), axis=1), atol=1e-12)
    assert ours[3].nnz == 0  # no word: an all-zero row, similar to nothing


def test_tfidf_of_nothing():
    assert tfidf_matrix([]).shape == (0, 0)
    assert tfidf_matrix(["", "?"]).nnz == 0


@pytest.mark.parametrize(("seed", "threshold"), [(0, 0.9), (1, 0.8), (2, 0.5), (3, 0.95), (4, 1.0)])
def test_near_pairs_equal_brute_force(seed, threshold):
    x = tfidf_matrix(corpus(2500 if threshold > 0.5 else 1200, seed))
    i, j, sim = near_pairs(x, threshold)
    expected = brute(x, threshold)
    assert set(zip(i.tolist(), j.tolist())) == expected
    assert len(expected) > (0 if threshold == 1.0 else 50)  # the test has pairs to find
    assert np.all(i < j) and np.all(sim >= threshold - MATCH_SLACK)


def test_near_pairs_with_a_tiny_vocabulary_and_chunking(monkeypatch):
    """Few distinct words: most documents share their rarest word, so many candidates are listed (in
    several chunks); the answer stays exact."""
    from feedback.export.curation import dedup

    monkeypatch.setattr(dedup, "PAIR_CHUNK", 5000)
    monkeypatch.setattr(dedup, "CHECK_CHUNK", 777)
    monkeypatch.setattr(dedup, "DENSE_SHARE", 2.0)  # never fall back to block products here
    x = tfidf_matrix(corpus(600, 7, vocab=60, a=1.05, dup_share=0.1))
    i, j, _ = near_pairs(x, 0.9)
    assert set(zip(i.tolist(), j.tolist())) == brute(x, 0.9)
    monkeypatch.setattr(dedup, "DENSE_SHARE", 0.0)  # the block products give the same pairs
    monkeypatch.setattr(dedup, "BLOCK_CELLS", 1000)
    i2, j2, _ = near_pairs(x, 0.9)
    assert (i2.tolist(), j2.tolist()) == (i.tolist(), j.tolist())


def test_near_pairs_identical_vectors_at_threshold_one():
    x = tfidf_matrix(["bb aa cc", "aa bb cc", "aa bb dd", "zz yy"])
    i, j, _ = near_pairs(x, 1.0)
    assert list(zip(i.tolist(), j.tolist())) == [(0, 1)]  # same words in another order: cosine 1


def test_near_pairs_degenerate_inputs():
    assert len(near_pairs(sp.csr_matrix((0, 0)), 0.9)[0]) == 0
    assert len(near_pairs(tfidf_matrix(["only one"]), 0.9)[0]) == 0
    assert len(near_pairs(tfidf_matrix(["", ""]), 0.9)[0]) == 0


def test_exact_duplicates_keep_best_rank_and_skip_empty():
    keys = ["a", "b", "a", "", "", "a"]
    rank = np.array([2, 0, 1, 3, 4, 5])
    assert exact_duplicates(keys, rank).tolist() == [2, -1, -1, -1, -1, 2]
    assert exact_duplicates([], np.array([])).tolist() == []


def test_greedy_keep_is_by_rank_and_never_chains():
    # 0~1, 1~2 (0 and 2 not similar); rank order 1, 0, 2: 1 is kept, both others point to it
    out = greedy_keep(3, np.array([0, 1]), np.array([1, 2]), np.array([1, 0, 2]))
    assert out.tolist() == [1, -1, 1]
    # rank order 0, 1, 2: 0 kept, 1 removed for 0; 2 is not similar to 0, so it is kept
    out = greedy_keep(3, np.array([0, 1]), np.array([1, 2]), np.array([0, 1, 2]))
    assert out.tolist() == [-1, 0, -1]
    assert greedy_keep(2, np.array([], int), np.array([], int), np.array([0, 1])).tolist() == [-1, -1]

"""The label update rule for m-probabilities: a Dirichlet posterior around the learned m."""

from __future__ import annotations

import numpy as np
import pytest

from wcsf_recon.review.train import m_from_labels


def test_labels_move_m_towards_what_true_pairs_show() -> None:
    learned = {"last": [0.1, 0.6, 0.2, 0.1], "city": [0.2, 0.5, 0.3]}
    # 50 labelled true pairs: surnames agree exactly (level 1) in 45, fuzzily (2) in 5; city not compared
    levels = {"last": np.array([1] * 45 + [2] * 5)}
    m, table = m_from_labels(learned, levels, strength=50.0)
    # present levels: (50 * m/0.9 + counts) / 100 * 0.9; the null level keeps 0.1
    assert m["last"] == pytest.approx([0.1, (50 * 0.6 / 0.9 + 45) / 100 * 0.9, (50 * 0.2 / 0.9 + 5) / 100 * 0.9, 0.05])
    assert m["city"] == pytest.approx(learned["city"])  # no labels, no change
    assert all(sum(v) == pytest.approx(1.0) for v in m.values())
    row = table[(table["comparison"] == "last") & (table["level"] == 1)].iloc[0]
    assert row["labels"] == 45 and row["bits_moved"] == pytest.approx(np.log2(m["last"][1] / 0.6))
    nulls = m_from_labels(learned, {"last": np.array([0] * 30)})[0]
    assert nulls["last"] == pytest.approx(learned["last"])  # missing values move nothing
    assert table.loc[table["comparison"] == "city", "bits_moved"].abs().max() == 0.0


def test_many_labels_outweigh_the_prior() -> None:
    m, _ = m_from_labels({"first": [0.0, 0.9, 0.1]}, {"first": np.array([2] * 5000)}, strength=50.0)
    assert m["first"][2] > 0.98

"""Held-out metrics: AUC, Brier score, calibration error and EV captured, on hand-checked sets."""

from __future__ import annotations

import pytest

from omniarb.score.metrics import auc, brier, calibration_error, ev_captured, expected_value


def test_auc_counts_ordered_pairs_and_ties_half() -> None:
    assert auc([True, False], [0.9, 0.1]) == 1.0
    assert auc([True, False], [0.1, 0.9]) == 0.0
    assert auc([True, False, True, False], [0.5, 0.5, 0.5, 0.5]) == 0.5
    # Positives 0.8, 0.4; negatives 0.6, 0.2: 3 of 4 pairs ordered.
    assert auc([True, True, False, False], [0.8, 0.4, 0.6, 0.2]) == 0.75
    assert auc([True, True], [0.3, 0.7]) is None


def test_brier_and_calibration_error() -> None:
    assert brier([True, False], [1.0, 0.0]) == 0.0
    assert brier([True, False], [0.5, 0.5]) == 0.25
    assert brier([], []) is None
    # One bin of p = 0.75 with half succeeding: off by 0.25.
    assert calibration_error([True, False], [0.75, 0.75]) == pytest.approx(0.25)
    assert calibration_error([True, False, True, True], [1.0, 0.0, 1.0, 1.0]) == 0.0


def test_expected_value_and_what_each_rule_captures() -> None:
    assert expected_value(0.5, 10.0, 2.0, 1.0) == 0.5 * 10 - 0.5 * 2 - 1
    realized = [5.0, -0.4, 3.0, -0.4]
    got = ev_captured(realized, [1.0, -1.0, 0.2, 0.5], [6.0, 400.0, 3.0, 0.001], 0.01)
    assert (got.model_usd, got.model_taken) == (pytest.approx(7.6), 3)
    assert (got.baseline_usd, got.baseline_taken) == (pytest.approx(7.6), 3)
    assert got.oracle_usd == 8.0
    assert got.rows == 4

"""Classification metrics of the semi-supervised study: error (Table III(a)) and F1 per output (Tables VII, VIII)."""

import numpy as np


def error_rate(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Percentage of wrongly classified points."""
    return 100.0 * float(np.mean(np.asarray(y_true) != np.asarray(y_pred)))


def f1_scores(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """F1 (in %) of each binary output, columns of ``[n, L]`` 0/1 arrays; 0 where an output has no positives
    predicted or present (scikit-learn's ``zero_division=0``)."""
    y_true, y_pred = np.asarray(y_true).astype(bool), np.asarray(y_pred).astype(bool)
    true_pos = (y_true & y_pred).sum(0)
    wrong = (y_true ^ y_pred).sum(0)
    denominator = 2 * true_pos + wrong
    return 100.0 * np.divide(2 * true_pos, denominator, out=np.zeros(len(true_pos)), where=denominator > 0)

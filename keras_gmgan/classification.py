"""How well a classifier does: accuracy, per-class accuracy, confusion matrix, and its picture.

Plain NumPy and scikit-learn on predicted labels, so semi-supervised GANs and supervised
baselines are scored by the same code.
"""

from pathlib import Path
from typing import Optional, Sequence

import numpy as np


def classification_results(y_true: Sequence[int], y_pred: Sequence[int], num_classes: int) -> dict:
    """Scores predictions against the true classes.

    Returns:
        A JSON-ready dict: `accuracy`, `per_class_accuracy` (recall of each class; None for a
        class absent from `y_true`), `confusion_matrix` (rows: true class, columns: predicted)
        and `num_examples`.
    """
    from sklearn.metrics import confusion_matrix

    y_true = np.asarray(y_true).astype(int)
    y_pred = np.asarray(y_pred).astype(int)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(
            f"y_true and y_pred must be 1-D and of the same length; got shapes {y_true.shape} "
            f"and {y_pred.shape}."
        )
    matrix = confusion_matrix(y_true, y_pred, labels=np.arange(num_classes))
    support = matrix.sum(axis=1)
    per_class = [
        float(matrix[i, i] / support[i]) if support[i] else None for i in range(num_classes)
    ]
    return {
        "accuracy": float(np.mean(y_true == y_pred)) if len(y_true) else 0.0,
        "per_class_accuracy": per_class,
        "confusion_matrix": matrix.tolist(),
        "num_examples": int(len(y_true)),
    }


def plot_confusion_matrix(
    matrix: Sequence[Sequence[int]], path: Path, title: Optional[str] = None
) -> None:
    """Saves the confusion matrix (rows true, columns predicted) as an annotated heat map PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matrix = np.asarray(matrix)
    size = len(matrix)
    figure, axis = plt.subplots(figsize=(1.0 + 0.55 * size, 0.8 + 0.5 * size))
    row_sums = np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    axis.imshow(matrix / row_sums, cmap="Blues", vmin=0, vmax=1)
    for i in range(size):
        for j in range(size):
            if matrix[i, j]:
                dark = matrix[i, j] / row_sums[i, 0] > 0.5
                axis.text(
                    j,
                    i,
                    str(matrix[i, j]),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if dark else "black",
                )
    axis.set_xticks(range(size))
    axis.set_yticks(range(size))
    axis.set_xlabel("predicted class")
    axis.set_ylabel("true class")
    if title:
        axis.set_title(title, fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)

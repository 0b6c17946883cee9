"""Labelled/unlabelled splits for semi-supervised learning."""

import numpy as np


def semi_supervised_split(
    labels: np.ndarray, n_labeled: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Picks `n_labeled` indices balanced over classes; the rest are the unlabelled indices.

    Balanced means `n_labeled // K` per class, the remainder going to the first classes. The
    choice depends only on `labels`, `n_labeled` and `seed`. Both index arrays are sorted and
    disjoint, and together cover every example.
    """
    labels = np.asarray(labels)
    classes = np.unique(labels)
    if not 1 <= n_labeled <= len(labels) or n_labeled < len(classes):
        raise ValueError(
            f"n_labeled must be between the number of classes ({len(classes)}) and the number "
            f"of examples ({len(labels)}); got {n_labeled}."
        )
    rng = np.random.default_rng(seed)
    per_class = np.full(len(classes), n_labeled // len(classes))
    per_class[: n_labeled % len(classes)] += 1
    chosen = []
    for cls, count in zip(classes, per_class):
        members = np.flatnonzero(labels == cls)
        if count > len(members):
            raise ValueError(
                f"Class {cls} has only {len(members)} examples; cannot label {count} of them."
            )
        chosen.append(rng.choice(members, size=count, replace=False))
    labeled = np.sort(np.concatenate(chosen))
    unlabeled = np.setdiff1d(np.arange(len(labels)), labeled)
    return labeled, unlabeled

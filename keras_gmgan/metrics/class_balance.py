"""How evenly generated samples spread over the classes: the mode-balance figures.

A GAN that draws every digit but one of them five times as often as another has not
collapsed, yet it does not match MNIST's near-uniform class mix. `classes_covered` counts
the classes that appear; these figures say how unequal their shares are.
"""

import math

import numpy as np

#: The keys `class_balance` returns, in report order.
BALANCE_KEYS = ("class_share_ratio", "class_kl_to_uniform")


def class_balance(histogram) -> dict:
    """The balance figures of a class histogram (counts per class, e.g. `class_histogram`).

    Returns:
        `class_share_ratio`: the largest class's share over the smallest's (1 for a
        perfectly balanced sample; `inf` when some class received no sample), and
        `class_kl_to_uniform`: KL(p ‖ uniform) = log K − H(p) in nats, where p is the
        histogram's class distribution (0 when balanced, log K when every sample is one
        class).

    Example:
    >>> class_balance([10, 10, 10])
    {'class_share_ratio': 1.0, 'class_kl_to_uniform': 0.0}
    >>> class_balance([30, 0, 0])["class_share_ratio"]
    inf
    """
    counts = np.asarray(histogram, dtype="float64").reshape(-1)
    if counts.size < 1 or np.any(counts < 0) or counts.sum() <= 0:
        raise ValueError(
            "class_balance needs a histogram of non-negative counts with at least one sample; "
            f"got {counts.tolist()!r:.80}."
        )
    shares = counts / counts.sum()
    smallest = shares.min()
    ratio = math.inf if smallest == 0 else float(shares.max() / smallest)
    present = shares[shares > 0]
    kl = float(np.sum(present * np.log(present * len(shares))))
    return {"class_share_ratio": ratio, "class_kl_to_uniform": max(kl, 0.0)}

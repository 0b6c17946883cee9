"""Discriminator rejection sampling (DRS): keep the samples the discriminator believes in.

A BCE discriminator trained to optimality has logit D̃(x) = log p_data(x)/p_g(x), so
accepting a generated x with probability exp(D̃(x) − D̃*) (D̃* the largest logit) turns p_g
into p_data. DRS uses the numerically tame form of that test,

    F(x) = D̃(x) − D̃* − log(1 − exp(D̃(x) − D̃* − ε)),   accept with probability σ(F(x) − γ),

where γ, the F value at a percentile of each batch (default the 95th), shifts the test so
that a useful share of samples survives. Runs with `keras.ops` model calls and NumPy only.

Reference:
    Azadi et al., "Discriminator Rejection Sampling", ICLR 2019.
"""

from typing import Optional

import numpy as np
from keras import ops
from scipy.special import expit

from keras_gmgan.layers.pack_samples import packing_of
from keras_gmgan.models import WGAN


def discriminator_rejection_sampling(
    model,
    n: int,
    percentile: float = 95.0,
    gamma: Optional[float] = None,
    epsilon: float = 1e-6,
    burn_in: int = 10_000,
    batch_size: int = 1000,
    sigma_scale: float = 1.0,
    seed: Optional[int] = None,
    max_draws: Optional[int] = None,
) -> tuple[np.ndarray, float]:
    """Draws from `model` until `n` samples pass the DRS test; returns them and the accept rate.

    Args:
        model: a trained adversarial model with `generator`, `latent` and a BCE
            `discriminator` that outputs one logit per sample (`GAN`, or `GMGAN` with the
            BCE loss); `check_drs_model` says why others are refused.
        n: how many accepted samples to return.
        percentile: γ is this percentile of F over each batch (Azadi et al. use 95 — the
            top 5 % of a batch are accepted with probability at least ½).
        gamma: a fixed γ instead of the per-batch percentile.
        epsilon: keeps log(1 − exp(·)) finite at the maximum logit.
        burn_in: samples drawn first only to estimate the maximum logit D̃*; D̃* is raised
            whenever a later batch holds a larger logit.
        batch_size: samples generated and tested per step.
        sigma_scale: passed to the latent prior (the GM-GAN quality/diversity knob).
        seed: makes the latents and the accept decisions repeatable.
        max_draws: give up (RuntimeError) after this many draws; 1000·n by default.

    Returns:
        `(samples, acceptance_rate)`: n accepted samples as a NumPy array, and the share of
        the samples drawn after the burn-in that were accepted.
    """
    if n < 1 or batch_size < 1:
        raise ValueError(f"n and batch_size must be positive; got n={n}, batch_size={batch_size}.")
    if not 0 <= percentile <= 100:
        raise ValueError(f"percentile must be in [0, 100]; got {percentile}.")
    check_drs_model(model)
    rng = np.random.default_rng(seed)  # latents too: the same under every backend
    max_draws = 1000 * n if max_draws is None else int(max_draws)

    def draw(size):
        z, _ = model.latent.sample_numpy(size, rng, sigma_scale=sigma_scale)
        samples = model.generator(z, training=False)
        logits = model.discriminator(samples, training=False)
        if hasattr(model, "adversarial_scores"):  # drops a component head (info_weight)
            logits = model.adversarial_scores(logits)
        logits = ops.convert_to_numpy(logits).astype("float64").reshape(-1)
        return ops.convert_to_numpy(samples), logits

    max_logit = -np.inf
    for start in range(0, max(int(burn_in), 1), batch_size):
        _, logits = draw(min(batch_size, max(int(burn_in), 1) - start))
        max_logit = max(max_logit, logits.max())

    accepted, num_accepted, drawn = [], 0, 0
    while num_accepted < n:
        if drawn >= max_draws:
            raise RuntimeError(
                f"Discriminator rejection sampling accepted {num_accepted} of {drawn} samples, "
                f"short of n={n}; lower `percentile`, pass a smaller `gamma`, or raise "
                "`max_draws`."
            )
        samples, logits = draw(batch_size)
        drawn += len(logits)
        max_logit = max(max_logit, logits.max())
        scores = drs_scores(logits, max_logit, epsilon)
        shift = np.percentile(scores, percentile) if gamma is None else float(gamma)
        keep = rng.random(len(scores)) < expit(scores - shift)
        accepted.append(samples[keep])
        num_accepted += int(keep.sum())
    return np.concatenate(accepted)[:n], num_accepted / drawn


def drs_scores(logits, max_logit: float, epsilon: float = 1e-6) -> np.ndarray:
    """F(x) = D̃(x) − D̃* − log(1 − exp(D̃(x) − D̃* − ε)), before the γ shift (float64)."""
    delta = np.asarray(logits, dtype="float64") - max_logit
    shifted = delta - epsilon
    if np.any(shifted >= 0):
        raise ValueError("Every logit must be at most max_logit; raise max_logit first.")
    # log(1 - e^a) for a < 0, accurate at both ends (Mächler's log1mexp).
    log1mexp = np.where(
        shifted > -np.log(2.0), np.log(-np.expm1(shifted)), np.log1p(-np.exp(shifted))
    )
    return delta - log1mexp


def check_drs_model(model) -> None:
    """Raises a ValueError unless `model`'s discriminator is a BCE density-ratio estimator.

    DRS rests on the optimal BCE discriminator's logit being log p_data/p_g. A Wasserstein
    critic (`WGAN`, `GMGAN(loss="wgan-gp")`) estimates a distance, not that ratio, and a
    (K+1)-class discriminator has no single logit, so neither can drive the accept test.
    Call it before any sampling to fail fast (the command line does).
    """
    for attribute in ("generator", "discriminator", "latent"):
        if not hasattr(model, attribute):
            raise ValueError(
                f"Discriminator rejection sampling needs an adversarial model with a "
                f"`{attribute}`; got {type(model).__name__}."
            )
    if isinstance(model, WGAN) or getattr(model, "adversarial_loss", "bce") != "bce":
        raise ValueError(
            f"Discriminator rejection sampling needs a BCE discriminator; this "
            f"{type(model).__name__} has a Wasserstein critic, whose scores are not density "
            "ratios. Use a model trained with the BCE loss (gan, gmgan --loss bce)."
        )
    outputs = model.discriminator.output_shape
    if outputs[-1] - getattr(model, "num_component_logits", 0) != 1:
        raise ValueError(
            f"Discriminator rejection sampling needs a discriminator with one logit (a BCE "
            f"GAN); this one outputs shape {outputs}. Wasserstein critics and (K+1)-class "
            "discriminators are not density-ratio estimators."
        )
    pac = packing_of(model.discriminator)
    if pac > 1:
        raise ValueError(
            f"Discriminator rejection sampling scores one sample at a time, and this "
            f"discriminator scores {pac} samples jointly (pac={pac}); sample without DRS, "
            "or train with pac=1 (`fit --pac 1`)."
        )


def draw_samples(
    model,
    n: int,
    seed: Optional[int] = 0,
    sigma_scale: float = 1.0,
    drs: bool = False,
    drs_percentile: float = 95.0,
    batch_size: int = 500,
    weights: Optional[str] = None,
) -> tuple:
    """n samples from a trained model, drawn from its prior or, with `drs`, by
    discriminator rejection sampling; returns (samples, acceptance rate or None).
    `weights` picks the generator's weights as in `AdversarialModel.generate`."""
    with model.sampling_weights(weights):
        if not drs:
            samples = model.generate(n, sigma_scale=sigma_scale, seed=seed, batch_size=batch_size)
            return samples, None
        return discriminator_rejection_sampling(
            model, n, percentile=drs_percentile, sigma_scale=sigma_scale, seed=seed
        )

"""The one latent prior of keras-gmgan: a mixture of Gaussians (K=1, σ=1 is N(0, I))."""

from typing import Any, Optional, Sequence

import keras
import numpy as np
from keras import ops


@keras.saving.register_keras_serializable(package="keras_gmgan")
class MixtureLatent(keras.layers.Layer):
    """Mixture-of-Gaussians latent space, sampled by reparameterisation.

    Every model in keras-gmgan draws its latent vectors from this layer, so the vanilla GAN,
    the WGAN, the semi-supervised GAN and the GM-GAN variants all accept a mixture prior and
    `--components` means the same thing everywhere. With one component at the origin and
    σ = 1 it is the standard normal prior of a vanilla GAN.

    A sample picks a component k (uniformly, by the mixture weights, or as given) and returns
    `z = μ_k + sigma_scale · L_k ε`, where `L_k` is `diag(σ_k)` or, after an EM refit, the
    Cholesky factor of a full covariance. Because z is a differentiable function of μ and σ,
    a "dynamic" GM-GAN learns them with the generator; a "static" one keeps them fixed.

    Args:
        latent_dim: dimension d of z.
        num_components: number of mixture components K.
        c: means are drawn once from U[-c, c]^d (ignored when `means` is given).
        sigma: initial standard deviation, shared by all components and dimensions.
        per_dimension_sigma: learn one σ per component and dimension instead of one per
            component.
        trainable_means: learn the means with the generator (dynamic GM-GAN).
        trainable_sigma: learn σ with the generator (dynamic GM-GAN); σ = exp(log σ) stays
            positive.
        means: optional (K, d) array of initial means.
        scale_tril: optional (K, d, d) lower-triangular Cholesky factors of full covariances
            (the EM variant); replaces σ, and is not trainable.
        mixture_weights: optional (K,) component probabilities (uniform when omitted).
        seed: seed for drawing the means.

    Reference:
        Ben-Yosef & Weinshall, "Gaussian Mixture Generative Adversarial Networks for Diverse
        Datasets, and the Unsupervised Clustering of Images", arXiv:1808.10356, 2018.

    Example:
    >>> latent = MixtureLatent(latent_dim=2, num_components=3, c=1.0, sigma=0.1, seed=0)
    >>> z, k = latent.sample(5, seed=keras.random.SeedGenerator(1))
    >>> tuple(z.shape), tuple(k.shape)
    ((5, 2), (5,))
    """

    def __init__(
        self,
        latent_dim: int,
        num_components: int = 1,
        c: float = 0.0,
        sigma: float = 1.0,
        per_dimension_sigma: bool = False,
        trainable_means: bool = False,
        trainable_sigma: bool = False,
        means: Optional[Any] = None,
        scale_tril: Optional[Any] = None,
        mixture_weights: Optional[Sequence[float]] = None,
        seed: Optional[int] = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        _require_positive_int("latent_dim", latent_dim)
        _require_positive_int("num_components", num_components)
        if not sigma > 0:
            raise ValueError(f"sigma must be positive; got {sigma}.")
        if c < 0:
            raise ValueError(f"c (the half-width of the means' range) must be >= 0; got {c}.")
        self.latent_dim = int(latent_dim)
        self.num_components = int(num_components)
        self.c = float(c)
        self.sigma = float(sigma)
        self.per_dimension_sigma = bool(per_dimension_sigma)
        self.trainable_means = bool(trainable_means)
        self.trainable_sigma = bool(trainable_sigma)
        self.seed = seed
        k, d = self.num_components, self.latent_dim

        if means is None:
            means_init = keras.initializers.RandomUniform(-self.c, self.c, seed=seed)
        else:
            means = np.asarray(means, dtype="float32")
            if means.shape != (k, d):
                raise ValueError(
                    f"means must have shape (num_components, latent_dim) = {(k, d)}; "
                    f"got {means.shape}."
                )
            means_init = keras.initializers.Constant(means)
        self.means = self.add_weight(
            shape=(k, d), initializer=means_init, trainable=self.trainable_means, name="means"
        )
        self.log_sigma = self.add_weight(
            shape=(k, d if self.per_dimension_sigma else 1),
            initializer=keras.initializers.Constant(float(np.log(self.sigma))),
            trainable=self.trainable_sigma,
            name="log_sigma",
        )
        self.scale_tril = None
        if scale_tril is not None:
            scale_tril = np.asarray(scale_tril, dtype="float32")
            if scale_tril.shape != (k, d, d):
                raise ValueError(
                    f"scale_tril must have shape (num_components, latent_dim, latent_dim) = "
                    f"{(k, d, d)}; got {scale_tril.shape}."
                )
            self.scale_tril = self.add_weight(
                shape=(k, d, d),
                initializer=keras.initializers.Constant(np.tril(scale_tril)),
                trainable=False,
                name="scale_tril",
            )
        self.mixture_weights = None
        if mixture_weights is not None:
            weights = np.asarray(mixture_weights, dtype="float64")
            if weights.shape != (k,) or np.any(weights < 0) or not weights.sum() > 0:
                raise ValueError(
                    f"mixture_weights must be {k} non-negative numbers with a positive sum."
                )
            self.mixture_weights = self.add_weight(
                shape=(k,),
                initializer=keras.initializers.Constant(weights / weights.sum()),
                trainable=False,
                name="mixture_weights",
            )
        self.built = True

    def sample_noise(self, n: int, labels: Optional[Any] = None, seed: Any = None):
        """Draws the component indices k and the standard-normal noise ε for n latents.

        Sampling is split from `call` so that a training step can draw (k, ε) outside a
        gradient closure and compute z inside it, where gradients reach μ and σ.
        `seed` is a `keras.random.SeedGenerator` (needed for jit-compiled JAX steps) or an int.
        """
        if labels is None:
            if self.num_components == 1:
                labels = ops.zeros((n,), dtype="int32")
            elif self.mixture_weights is None:
                labels = keras.random.randint((n,), 0, self.num_components, seed=seed)
            else:
                logits = ops.log(ops.expand_dims(self.mixture_weights, 0) + 1e-12)
                labels = keras.random.categorical(logits, n, seed=seed)[0]
        labels = ops.cast(labels, "int32")
        noise = keras.random.normal((n, self.latent_dim), seed=seed)
        return labels, noise

    def call(self, inputs, sigma_scale=1.0):
        labels, noise = inputs
        means = ops.take(self.means, labels, axis=0)
        if self.scale_tril is not None:
            scale_tril = ops.take(self.scale_tril, labels, axis=0)
            spread = ops.squeeze(ops.matmul(scale_tril, ops.expand_dims(noise, -1)), -1)
        else:
            spread = ops.take(ops.exp(self.log_sigma), labels, axis=0) * noise
        return means + sigma_scale * spread

    def sample(
        self,
        n: int,
        labels: Optional[Any] = None,
        seed: Any = None,
        sigma_scale: float = 1.0,
    ):
        """Returns `(z, k)`: n latent vectors and the component each came from.

        `sigma_scale` shrinks or widens every component at sampling time, the GM-GAN paper's
        knob for trading diversity (large) against quality (small).
        """
        labels, noise = self.sample_noise(n, labels=labels, seed=seed)
        return self((labels, noise), sigma_scale=sigma_scale), labels

    @property
    def sigmas(self):
        """Per-component standard deviations, shape (K, 1) or (K, d)."""
        return ops.exp(self.log_sigma)

    def compute_output_shape(self, input_shape):
        return (input_shape[1][0], self.latent_dim)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "latent_dim": self.latent_dim,
                "num_components": self.num_components,
                "c": self.c,
                "sigma": self.sigma,
                "per_dimension_sigma": self.per_dimension_sigma,
                "trainable_means": self.trainable_means,
                "trainable_sigma": self.trainable_sigma,
                "scale_tril": None
                if self.scale_tril is None
                else np.zeros((self.num_components, self.latent_dim, self.latent_dim)).tolist(),
                "mixture_weights": None
                if self.mixture_weights is None
                else [1.0] * self.num_components,
                "seed": self.seed,
            }
        )
        return config


def _require_positive_int(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}.")

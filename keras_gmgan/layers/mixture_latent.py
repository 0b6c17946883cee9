"""The one latent prior of keras-gmgan: a mixture of Gaussians (K=1, σ=1 is N(0, I))."""

import warnings
from typing import Any, Optional, Sequence

import keras
import numpy as np
from keras import ops

COVARIANCES = ("diagonal", "full")


@keras.saving.register_keras_serializable(package="keras_gmgan")
class MixtureLatent(keras.layers.Layer):
    """Mixture-of-Gaussians latent space, sampled by reparameterisation.

    Every model in keras-gmgan draws its latent vectors from this layer, so the vanilla GAN,
    the WGAN, the semi-supervised GAN and the GM-GAN variants all accept a mixture prior and
    `--components` means the same thing everywhere. With one component at the origin and
    σ = 1 it is the standard normal prior of a vanilla GAN.

    A sample picks a component k (by the mixture weights, uniform unless given, or as asked)
    and returns `z = μ_k + sigma_scale · L_k ε` with ε ~ N(0, I), where `L_k` is `diag(σ_k)`
    (`covariance="diagonal"`) or the Cholesky factor of a full covariance
    (`covariance="full"`, what an EM refit of the latent space produces). Because z is a
    differentiable function of μ and σ, a "dynamic" GM-GAN learns them with the generator;
    a "static" one keeps them fixed. σ is stored as log σ, so it stays positive whatever the
    optimizer does.

    The means, σ (or Cholesky factors) and mixture weights are the layer's weights: the config
    holds only what fixes their shapes and initial values, and a `.keras` file restores the
    values exactly, as for any Keras layer.

    Args:
        latent_dim: dimension d of z.
        num_components: number of mixture components K.
        c: means are drawn once from U[-c, c]^d (ignored when `means` is given).
        sigma: initial standard deviation, shared by all components and dimensions.
        per_dimension_sigma: keep one σ per component and dimension instead of one per
            component (diagonal covariance only).
        trainable_means: learn the means with the generator (dynamic GM-GAN).
        trainable_sigma: learn σ with the generator (dynamic GM-GAN; diagonal only).
        covariance: `"diagonal"` (σ per component, or per component and dimension) or
            `"full"` (a lower-triangular factor `L_k` per component, fixed; it starts at σ·I
            unless `scale_tril` is given).
        means: optional (K, d) array of initial means.
        scale_tril: optional (K, d, d) lower-triangular Cholesky factors of the components'
            covariances (`covariance="full"` only).
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
        covariance: str = "diagonal",
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
        if covariance not in COVARIANCES:
            raise ValueError(f"covariance must be one of {COVARIANCES}; got {covariance!r}.")
        if covariance == "full" and trainable_sigma:
            raise ValueError(
                "A full-covariance mixture is fitted (EM refit), not learned: use "
                "trainable_sigma=False with covariance='full', or covariance='diagonal'."
            )
        if covariance == "diagonal" and scale_tril is not None:
            raise ValueError("scale_tril needs covariance='full'.")
        self.latent_dim = int(latent_dim)
        self.num_components = int(num_components)
        self.c = float(c)
        self.sigma = float(sigma)
        self.per_dimension_sigma = bool(per_dimension_sigma)
        self.trainable_means = bool(trainable_means)
        self.trainable_sigma = bool(trainable_sigma)
        self.covariance = covariance
        self.seed = seed
        k, d = self.num_components, self.latent_dim

        if means is None:
            means_init = keras.initializers.RandomUniform(-self.c, self.c, seed=seed)
        else:
            means_init = keras.initializers.Constant(_checked_array("means", means, (k, d)))
        self.means = self.add_weight(
            shape=(k, d), initializer=means_init, trainable=self.trainable_means, name="means"
        )
        self.log_sigma = None
        self.scale_tril = None
        if covariance == "diagonal":
            self.log_sigma = self.add_weight(
                shape=(k, d if self.per_dimension_sigma else 1),
                initializer=keras.initializers.Constant(float(np.log(self.sigma))),
                trainable=self.trainable_sigma,
                name="log_sigma",
            )
        else:
            if scale_tril is None:
                scale_tril = np.broadcast_to(self.sigma * np.eye(d), (k, d, d))
            scale_tril = np.tril(_checked_array("scale_tril", scale_tril, (k, d, d)))
            self.scale_tril = self.add_weight(
                shape=(k, d, d),
                initializer=keras.initializers.Constant(scale_tril),
                trainable=False,
                name="scale_tril",
            )
        if mixture_weights is None:
            weights = np.full((k,), 1.0 / k)
        else:
            weights = np.asarray(mixture_weights, dtype="float64")
            if weights.shape != (k,) or np.any(weights < 0) or not weights.sum() > 0:
                raise ValueError(
                    f"mixture_weights must be {k} non-negative numbers with a positive sum."
                )
            weights = weights / weights.sum()
        self.mixture_weights = self.add_weight(
            shape=(k,),
            initializer=keras.initializers.Constant(weights.astype("float32")),
            trainable=False,
            name="mixture_weights",
        )
        self.built = True

    # Presets named as in the GM-GAN paper -------------------------------------------------

    @classmethod
    def standard_normal(cls, latent_dim: int, **kwargs) -> "MixtureLatent":
        """N(0, I): the prior of a vanilla GAN (one component at the origin, σ = 1).

        Example:
        >>> MixtureLatent.standard_normal(4).num_components
        1
        """
        return cls(latent_dim, num_components=1, c=0.0, sigma=1.0, **kwargs)

    @classmethod
    def static(
        cls, latent_dim: int, num_components: int, c: float, sigma: float, **kwargs
    ) -> "MixtureLatent":
        """The static GM-GAN's prior: K fixed components, means drawn from U[-c, c]^d, σ fixed.

        Example:
        >>> prior = MixtureLatent.static(4, num_components=10, c=0.467, sigma=0.7, seed=0)
        >>> len(prior.trainable_weights)
        0
        """
        return cls(latent_dim, num_components=num_components, c=c, sigma=sigma, **kwargs)

    @classmethod
    def dynamic(
        cls, latent_dim: int, num_components: int, c: float, sigma: float, **kwargs
    ) -> "MixtureLatent":
        """The dynamic GM-GAN's prior: `static`'s, with the means and σ trainable weights that
        the generator's optimizer moves towards the data.

        Example:
        >>> prior = MixtureLatent.dynamic(4, num_components=10, c=0.467, sigma=0.7, seed=0)
        >>> [w.name for w in prior.trainable_weights]
        ['means', 'log_sigma']
        """
        return cls.static(
            latent_dim,
            num_components,
            c,
            sigma,
            trainable_means=True,
            trainable_sigma=True,
            **kwargs,
        )

    # Sampling ------------------------------------------------------------------------------

    def sample_noise(
        self, n: int, components: Optional[Any] = None, seed: Any = None, labels: Any = None
    ):
        """Draws the component indices k and the standard-normal noise ε for n latents.

        Sampling is split from `call` so that a training step can draw (k, ε) outside a
        gradient closure and compute z inside it, where gradients reach μ and σ.
        `components` fixes k (n ints); `seed` is a `keras.random.SeedGenerator` (needed for
        jit-compiled JAX steps) or an int. `labels` is the former name of `components`.
        """
        components = renamed_components(components, labels)
        if components is None:
            if self.num_components == 1:
                components = ops.zeros((n,), dtype="int32")
            else:
                logits = ops.log(ops.expand_dims(self.mixture_weights, 0) + 1e-12)
                components = keras.random.categorical(logits, n, seed=seed)[0]
        components = ops.cast(components, "int32")
        noise = keras.random.normal((n, self.latent_dim), seed=seed)
        return components, noise

    def call(self, inputs, sigma_scale=1.0):
        components, noise = inputs
        means = ops.take(self.means, components, axis=0)
        if self.scale_tril is not None:
            scale_tril = ops.take(self.scale_tril, components, axis=0)
            spread = ops.squeeze(ops.matmul(scale_tril, ops.expand_dims(noise, -1)), -1)
        else:
            spread = ops.take(ops.exp(self.log_sigma), components, axis=0) * noise
        return means + sigma_scale * spread

    def sample(
        self,
        n: int,
        components: Optional[Any] = None,
        seed: Any = None,
        sigma_scale: float = 1.0,
        labels: Any = None,
    ):
        """Returns `(z, k)`: n latent vectors and the component each came from.

        `components` fixes k as for `sample_noise`. `sigma_scale` shrinks or widens every
        component at sampling time, the GM-GAN paper's knob for trading diversity (large)
        against quality (small). `labels` is the former name of `components`.
        """
        components, noise = self.sample_noise(n, renamed_components(components, labels), seed)
        return self((components, noise), sigma_scale=sigma_scale), components

    def sample_numpy(
        self,
        n: int,
        rng: np.random.Generator,
        components: Optional[Any] = None,
        sigma_scale: float = 1.0,
        labels: Optional[Any] = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """`sample` with k and ε drawn on the host by NumPy's `rng`, for generating (not
        training): each backend's `keras.random` draws other numbers from the same seed,
        NumPy draws the same everywhere, so one seed gives the same latents (and images)
        under JAX, TensorFlow and PyTorch. Returns NumPy `(z, k)`.

        k is `rng.choice(K, n, p=mixture_weights)` (all 0 for one component) unless
        `components` gives it; then ε is `rng.standard_normal((n, d))`. `labels` is the
        former name of `components`.
        """
        components = renamed_components(components, labels)
        if components is None:
            weights = ops.convert_to_numpy(self.mixture_weights).astype("float64")
            components = rng.choice(self.num_components, size=n, p=weights / weights.sum())
        components = np.asarray(components, dtype="int32")
        noise = rng.standard_normal((n, self.latent_dim)).astype("float32")
        z = self(
            (ops.convert_to_tensor(components), ops.convert_to_tensor(noise)),
            sigma_scale=sigma_scale,
        )
        return ops.convert_to_numpy(z), components

    @property
    def sigmas(self):
        """Per-component standard deviations along each axis: (K, 1) or (K, d).

        For a full covariance these are the square roots of its diagonal, shape (K, d).
        """
        if self.scale_tril is None:
            return ops.exp(self.log_sigma)
        return ops.sqrt(ops.sum(ops.square(self.scale_tril), axis=-1))

    @property
    def covariances(self):
        """The components' covariance matrices, shape (K, d, d)."""
        if self.scale_tril is None:
            variances = ops.broadcast_to(
                ops.square(ops.exp(self.log_sigma)), (self.num_components, self.latent_dim)
            )
            return variances[:, :, None] * ops.eye(self.latent_dim)[None]
        return ops.matmul(self.scale_tril, ops.transpose(self.scale_tril, (0, 2, 1)))

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
                "covariance": self.covariance,
                "seed": self.seed,
            }
        )
        return config


def renamed_components(components: Any, labels: Any) -> Any:
    """`components`, or the mixture indices passed under their former name `labels`."""
    if labels is None:
        return components
    if components is not None:
        raise ValueError("Pass the mixture indices once, as components= (labels= is its old name).")
    warnings.warn(
        "labels= is now called components= (the mixture component of each sample).",
        DeprecationWarning,
        stacklevel=3,
    )
    return labels


def _checked_array(name: str, value: Any, shape: tuple) -> np.ndarray:
    array = np.asarray(value, dtype="float32")
    if array.shape != shape:
        raise ValueError(f"{name} must have shape {shape}; got {array.shape}.")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite.")
    return array


def _require_positive_int(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}.")

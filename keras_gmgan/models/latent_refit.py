"""EM variant of the GM-GAN: refit the latent prior as a full-covariance Gaussian mixture.

After training, the latent region that the generator maps onto real data need not look like
the prior it was trained with. The EM variant of the seed projects finds it: invert the
generator for a sample of real images (optimise z to minimise ‖x − G(z)‖²), fit
scikit-learn's `GaussianMixture` with full covariances to the recovered latents (component
count given, or chosen by BIC), and sample from that mixture from then on.
"""

import dataclasses
from typing import Optional, Sequence, Union

import keras
import numpy as np
from keras import ops
from sklearn.mixture import GaussianMixture

from keras_gmgan.backend import AdversarialTrainer, minimize
from keras_gmgan.layers.mixture_latent import MixtureLatent
from keras_gmgan.models.adversarial_model import AdversarialModel
from keras_gmgan.models.supervised_gmgan import SupervisedGMGAN

#: Component counts tried when the count is chosen by BIC.
BIC_CANDIDATES = tuple(range(1, 16))


class _LatentInversion(AdversarialTrainer, keras.Model):
    """A batch of latents as the only trained variable, fitted by `train_on_batch`.

    Running the latent optimisation as a Keras model's `train_step` reuses the plumbing's
    `minimize` and gets it compiled the way `fit` is (jit under JAX, `tf.function` under
    TensorFlow, eager torch), faster than an eager `minimize` loop on every backend.
    Internal: it is never saved.
    """

    def __init__(self, generator: keras.Model, batch_size: int, **kwargs):
        super().__init__(**kwargs)
        self.generator = generator
        self.z = self.add_weight(
            shape=(batch_size, generator.input_shape[-1]), initializer="zeros", name="z"
        )
        self.built = True

    def call(self, x, training=False):
        return self.generator(self.z, training=False)

    def train_step(self, data):
        x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        x = ops.convert_to_tensor(x)  # torch's `train_on_batch` passes NumPy through

        def reconstruction_loss():
            error = ops.square(x - self.generator(self.z, training=False))
            per_sample = ops.mean(ops.reshape(error, (ops.shape(error)[0], -1)), axis=1)
            # A sum, not a mean: each latent's gradient does not depend on the batch size.
            return ops.sum(per_sample), per_sample

        _, per_sample = minimize(reconstruction_loss, [self.z], self.optimizer)
        return {"reconstruction_error": ops.mean(per_sample)}


def invert_generator(
    generator: keras.Model,
    x: np.ndarray,
    steps: int = 1000,
    learning_rate: float = 0.01,
    batch_size: int = 256,
    initial_latents: Optional[np.ndarray] = None,
    seed: Optional[int] = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Finds latents z with G(z) ≈ x by Adam on ‖x − G(z)‖², a batch of images at a time.

    The generator's weights are not changed (batch normalisation runs in inference mode).
    Latents start from `initial_latents` (e.g. samples of the model's prior) or N(0, I).

    Returns:
        `(z, error)`: the latents, shape (N, latent_dim), and each image's final mean squared
        reconstruction error, shape (N,).
    """
    x = np.asarray(x, dtype="float32")
    n = len(x)
    latent_dim = generator.input_shape[-1]
    if tuple(x.shape[1:]) != tuple(generator.output_shape[1:]):
        raise ValueError(
            f"The images have shape {x.shape[1:]} but the generator makes "
            f"{tuple(generator.output_shape[1:])}: invert it with images of its data set."
        )
    if n == 0:
        raise ValueError("invert_generator needs at least one image.")
    if initial_latents is None:
        initial_latents = np.random.default_rng(seed).standard_normal((n, latent_dim))
    initial_latents = np.asarray(initial_latents, dtype="float32")
    if initial_latents.shape != (n, latent_dim):
        raise ValueError(
            f"initial_latents must have shape {(n, latent_dim)}; got {initial_latents.shape}."
        )
    batch_size = min(batch_size, n)
    inversion = _LatentInversion(generator, batch_size)
    optimizer = keras.optimizers.Adam(learning_rate)
    inversion.compile(optimizer=optimizer)
    optimizer.build([inversion.z])
    fresh_state = [ops.convert_to_numpy(v) for v in optimizer.variables]

    latents, errors = [], []
    for start in range(0, n, batch_size):
        size = min(batch_size, n - start)
        # Pad a short last batch by repetition: one compiled step serves every batch.
        index = np.arange(start, start + batch_size).clip(max=n - 1)
        inversion.z.assign(initial_latents[index])
        for variable, value in zip(optimizer.variables, fresh_state):
            variable.assign(value)
        for _ in range(steps):
            inversion.train_on_batch(x[index])
        z = ops.convert_to_numpy(inversion.z)[:size]
        reconstruction = ops.convert_to_numpy(generator(z, training=False))
        latents.append(z)
        errors.append(np.mean((reconstruction - x[start : start + size]).reshape(size, -1) ** 2, 1))
    return np.concatenate(latents), np.concatenate(errors)


@dataclasses.dataclass
class LatentMixtureFit:
    """A fitted latent mixture: the prior layer and how it was chosen.

    Attributes:
        latent: the `MixtureLatent` (full covariances, fitted mixture weights).
        gaussian_mixture: scikit-learn's fitted `GaussianMixture`, in standardised units
            when `standardize` was on.
        num_components: the component count used.
        bic: BIC of every candidate count, when the count was chosen by BIC (else empty).
        shift, scale: the standardisation, z_standardised = (z − shift) / scale.
    """

    latent: MixtureLatent
    gaussian_mixture: GaussianMixture
    num_components: int
    bic: dict
    shift: np.ndarray
    scale: np.ndarray


def fit_latent_mixture(
    latents: np.ndarray,
    components: Union[int, str] = "bic",
    candidates: Sequence[int] = BIC_CANDIDATES,
    standardize: bool = True,
    reg_covar: float = 1e-6,
    seed: Optional[int] = 0,
    name: str = "latent",
) -> LatentMixtureFit:
    """Fits a full-covariance Gaussian mixture to latents and returns it as a `MixtureLatent`.

    `components` is the number of components or `"bic"` to pick, among `candidates`, the
    count with the lowest Bayesian information criterion. With `standardize` (as the seed
    projects did) each dimension is centred and scaled to unit variance before fitting, so
    `reg_covar` and the k-means initialisation act the same in every direction; the
    returned layer undoes it (μ = shift + scale ⊙ μ', L = diag(scale) L'), so it samples
    in the generator's own latent units.
    """
    latents = np.asarray(latents, dtype="float64")
    if latents.ndim != 2 or len(latents) < 2:
        raise ValueError(f"latents must be an (N, d) array with N >= 2; got {latents.shape}.")
    n, d = latents.shape
    shift, scale = np.zeros(d), np.ones(d)
    if standardize:
        shift, scale = latents.mean(axis=0), latents.std(axis=0)
        scale = np.where(scale > 0, scale, 1.0)
    standardized = (latents - shift) / scale

    def fit(k: int) -> GaussianMixture:
        return GaussianMixture(
            n_components=k, covariance_type="full", reg_covar=reg_covar, random_state=seed
        ).fit(standardized)

    bic = {}
    if components == "bic":
        candidates = sorted({int(k) for k in candidates if 1 <= int(k) <= n})
        if not candidates:
            raise ValueError(f"No BIC candidate count is between 1 and the {n} latents.")
        fits = {k: fit(k) for k in candidates}
        bic = {k: float(gm.bic(standardized)) for k, gm in fits.items()}
        best = min(bic, key=bic.get)
        mixture = fits[best]
    elif isinstance(components, (int, np.integer)) and not isinstance(components, bool):
        if not 1 <= components <= n:
            raise ValueError(f"components must be in [1, {n}] (N latents); got {components}.")
        mixture = fit(int(components))
    else:
        raise ValueError(f"components must be a positive integer or 'bic'; got {components!r}.")

    k = mixture.n_components
    scale_tril = scale[None, :, None] * np.linalg.cholesky(mixture.covariances_)
    latent = MixtureLatent(
        d,
        num_components=k,
        covariance="full",
        means=shift + scale * mixture.means_,
        scale_tril=scale_tril,
        mixture_weights=mixture.weights_,
        name=name,
    )
    return LatentMixtureFit(latent, mixture, k, bic, shift, scale)


def with_latent(model: AdversarialModel, latent: MixtureLatent) -> AdversarialModel:
    """Returns a copy of `model` (same class, weights and optimizer settings) with `latent`.

    The copy owns new networks holding the same weights, so training it leaves `model`
    untouched; its optimizers start afresh with the same hyper-parameters.
    """
    if latent.latent_dim != model.latent.latent_dim:
        raise ValueError(
            f"The new prior has {latent.latent_dim} dimensions but the model's generator takes "
            f"{model.latent.latent_dim}."
        )
    config = model.get_config()
    config["latent"] = keras.saving.serialize_keras_object(latent)
    copy = type(model).from_config(config)
    copy.generator.set_weights(model.generator.get_weights())
    copy.discriminator.set_weights(model.discriminator.get_weights())
    copy.latent.set_weights(latent.get_weights())
    if copy.generator_average is not None:
        # The generator's averages carry over; the new prior's (if learned) start afresh.
        copy.generator_average.reset()
        networks = len(copy.generator.trainable_variables)
        pairs = zip(copy.generator_average.averages, model.generator_average.averages)
        for target, origin in list(pairs)[:networks]:
            target.assign(ops.convert_to_numpy(origin))
    compile_config = model.get_compile_config()
    if compile_config is not None:
        copy.compile_from_config(dict(compile_config))
    return copy


@dataclasses.dataclass
class LatentRefit:
    """What `refit_latent` did: the recovered latents, their errors and the mixture fit."""

    latents: np.ndarray
    reconstruction_error: np.ndarray
    fit: LatentMixtureFit


def refit_latent(
    model: AdversarialModel,
    x: np.ndarray,
    components: Union[int, str] = "bic",
    candidates: Sequence[int] = BIC_CANDIDATES,
    steps: int = 1000,
    learning_rate: float = 0.01,
    batch_size: int = 256,
    standardize: bool = True,
    reg_covar: float = 1e-6,
    seed: Optional[int] = 0,
) -> tuple[AdversarialModel, LatentRefit]:
    """The EM variant: a copy of `model` that samples from a mixture fitted to inverted data.

    Inverts `model.generator` for the images `x` (`invert_generator`, starting from samples
    of the model's current prior), fits a full-covariance `GaussianMixture` to the latents
    (`fit_latent_mixture`; `components` an int or `"bic"`) and returns
    `(with_latent(model, fitted_prior), LatentRefit(...))`. The copy saves to `.keras` and
    `generate` samples the fitted mixture; `model` is not changed.
    """
    if isinstance(model, SupervisedGMGAN):
        raise ValueError(
            "A supervised GM-GAN's mixture components are its classes; refit_latent fits "
            "unlabelled components and is for the unsupervised models (GAN, GMGAN)."
        )
    x = np.asarray(x, dtype="float32")
    # The generator that samples: its moving average when the model keeps one.
    with model.sampling_weights():
        start, _ = model.latent.sample(len(x), seed=keras.random.SeedGenerator(seed))
        latents, errors = invert_generator(
            model.generator,
            x,
            steps=steps,
            learning_rate=learning_rate,
            batch_size=batch_size,
            initial_latents=ops.convert_to_numpy(start),
        )
    fit = fit_latent_mixture(
        latents,
        components=components,
        candidates=candidates,
        standardize=standardize,
        reg_covar=reg_covar,
        seed=seed,
        name=model.latent.name,
    )
    return with_latent(model, fit.latent), LatentRefit(latents, errors, fit)

"""The base of every adversarial model: players, optimizers, latent prior, seeds, trackers."""

from typing import Any, Optional

import keras
import numpy as np
from keras import ops

from keras_gmgan.backend import AdversarialTrainer, call_network, minimize
from keras_gmgan.backend.keras_internals import seed_generators_in
from keras_gmgan.distribution import draw_for_replicas
from keras_gmgan.layers.mixture_latent import MixtureLatent, renamed_components
from keras_gmgan.models.player_optimizers import PlayerOptimizers
from keras_gmgan.models.weight_average import WeightAverage, sampling_weights


def default_optimizer() -> keras.optimizers.Optimizer:
    """Adam(2e-4, β1=0.5): the DCGAN setting most GAN recipes start from."""
    return keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5)


@keras.saving.register_keras_serializable(package="keras_gmgan")
class AdversarialModel(AdversarialTrainer, keras.Model):
    """A generator and a discriminator (or critic) trained against each other with `fit`.

    Subclasses override `train_step(data)` with their losses and update order, written with
    `keras.ops` and the plumbing's `minimize`; they never import a backend. The base owns what
    every variant shares: the two networks, the mixture-of-Gaussians latent prior, one
    optimizer per player (`d_optimizer`, `g_optimizer`), the `SeedGenerator` behind all
    training-time sampling, and `keras.metrics.Mean` trackers for the logged values, so the
    logs are epoch means and reset each epoch.

    Calling the model on a batch of latent vectors returns generated data, so `predict(z)`
    works; `generate(n)` samples the prior too.

    Args:
        generator: `keras.Model` mapping (batch, latent_dim) to data.
        discriminator: `keras.Model` mapping data to logits or critic scores.
        latent: the `MixtureLatent` prior; the standard normal when omitted.
        seed: seed of the training-time sampling.
        ema_decay: keep an exponential moving average of the generator's weights with this
            decay (e.g. 0.999; `WeightAverage`) and sample it; None keeps none.
    """

    #: Names of the values every `train_step` logs; a tracker is made for each.
    tracked_logs: tuple = ("d_loss", "g_loss")

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        latent: Optional[MixtureLatent] = None,
        seed: Optional[int] = None,
        ema_decay: Optional[float] = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        latent_dim = generator.input_shape[-1]
        if latent is None:
            latent = MixtureLatent(latent_dim=latent_dim, name="latent")
        if latent.latent_dim != latent_dim:
            raise ValueError(
                f"The latent prior has {latent.latent_dim} dimensions but the generator takes "
                f"{latent_dim}; build both with the same latent_dim."
            )
        self.generator = generator
        self.discriminator = discriminator
        self.latent = latent
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="seed_generator")
        self.trackers = [keras.metrics.Mean(name=name) for name in self.tracked_logs]
        self.generator_average = None
        if ema_decay is not None:
            self.generator_average = WeightAverage(
                self, self.generator_variables, ema_decay, name="generator_ema"
            )
        self.built = True

    # Players ---------------------------------------------------------------------------

    @property
    def discriminator_variables(self) -> list:
        return self.discriminator.trainable_variables

    @property
    def generator_variables(self) -> list:
        """The generator's weights and the prior's learned means and σ (dynamic GM-GAN)."""
        return self.generator.trainable_variables + self.latent.trainable_variables

    def compile(
        self,
        d_optimizer: Any = None,
        g_optimizer: Any = None,
        **kwargs,
    ):
        """Sets one optimizer per player (instances, names or configs; Adam(2e-4, 0.5) if None)."""
        super().compile(**kwargs)
        self.d_optimizer = keras.optimizers.get(d_optimizer or default_optimizer())
        self.g_optimizer = keras.optimizers.get(g_optimizer or default_optimizer())
        if self.d_optimizer is self.g_optimizer:
            raise ValueError(
                "d_optimizer and g_optimizer must be two optimizer instances: each keeps its "
                "own player's moment estimates."
            )
        self.optimizer = PlayerOptimizers(
            [
                (self.d_optimizer, self.discriminator_variables),
                (self.g_optimizer, self.generator_variables),
            ]
        )
        # JAX threads optimizer state through the compiled step, so it must exist first.
        self.optimizer.build()
        self._compile_kwargs = dict(kwargs)

    def get_compile_config(self):
        if not getattr(self, "compiled", False):
            return None
        return {
            "d_optimizer": keras.optimizers.serialize(self.d_optimizer),
            "g_optimizer": keras.optimizers.serialize(self.g_optimizer),
            **self._compile_kwargs,
        }

    def compile_from_config(self, config):
        # `keras.optimizers.deserialize`, not the generic deserializer: a file saved under
        # torch names a torch-specific optimizer class that breaks `fit` on other backends.
        self.compile(
            d_optimizer=keras.optimizers.deserialize(config.pop("d_optimizer")),
            g_optimizer=keras.optimizers.deserialize(config.pop("g_optimizer")),
            **config,
        )

    def update_generator_average(self) -> None:
        """Moves the generator's moving average on (if kept); call after each generator step."""
        if self.generator_average is not None:
            self.generator_average.update(self.g_optimizer.iterations)

    # Sampling --------------------------------------------------------------------------

    def sampling_weights(self, weights: Optional[str] = None):
        """A context in which the generator holds the weights to sample: "ema", "raw", or
        None (the enclosing choice, else the moving average when one is kept)."""
        return sampling_weights(self.generator_average, weights)

    def sample_latent_noise(self, n, components=None):
        """Component indices and noise for n latents; pass them through `self.latent`.

        Data-parallel replicas each keep their slice of the global batch's draw.
        """

        def draw(copies):
            tiled = components
            if components is not None and copies > 1:
                tiled = ops.tile(components, (copies,))
            return self.latent.sample_noise(n * copies, tiled, seed=self.seed_generator)

        return draw_for_replicas(draw, n)

    def sample_fakes(self, n):
        """n generated samples, as constants for the discriminator's step, and their components.

        The generator runs in training mode (as it does in the generator's step) but no
        gradient flows back into it: under PyTorch one would otherwise reach its weights.
        """
        components, noise = self.sample_latent_noise(n)
        fake = call_network(self.generator, self.latent((components, noise)), training=True)
        return ops.stop_gradient(fake), components

    def generator_step(self, n, generator_loss):
        """One update of the generator (and a learned prior) on n fresh latents.

        `generator_loss(fake, components)` maps the generated batch and each sample's mixture
        component to the loss to minimise. The latent noise is drawn before the loss so that
        the gradient reaches the prior's means and σ through z = μ_k + σ_k ε.
        """
        components, noise = self.sample_latent_noise(n)

        def loss():
            fake = call_network(self.generator, self.latent((components, noise)), training=True)
            return generator_loss(fake, components), ()

        g_loss, _ = minimize(loss, self.generator_variables, self.g_optimizer)
        self.update_generator_average()
        return g_loss

    def call(self, z, training=False):
        return self.generator(z, training=training)

    def generate(
        self,
        n: int,
        components: Optional[Any] = None,
        sigma_scale: float = 1.0,
        seed: Optional[int] = None,
        batch_size: int = 500,
        labels: Optional[Any] = None,
        weights: Optional[str] = None,
    ) -> np.ndarray:
        """Returns n generated samples as a NumPy array (repeatable for a given seed).

        `components` picks the mixture component of every sample: one int for all of them
        (with a supervised GM-GAN, the class to draw) or n ints; `labels` is its former
        name. `sigma_scale` scales every component's spread (below 1: fewer, cleaner modes;
        above 1: more diversity). `weights` is "ema" (the generator's moving average), "raw"
        (its trained weights) or None: the average when the model keeps one (`ema_decay`),
        else the trained weights.
        """
        # Errors name the argument the caller used.
        name = "components" if labels is None else "labels"
        components = self._checked_components(renamed_components(components, labels), n, name)
        rng = np.random.default_rng(seed)  # host draws: the same under every backend
        chunks = []
        with self.sampling_weights(weights):
            for start in range(0, n, batch_size):
                size = min(batch_size, n - start)
                chunk = None if components is None else components[start : start + size]
                z, _ = self.latent.sample_numpy(size, rng, chunk, sigma_scale=sigma_scale)
                chunks.append(ops.convert_to_numpy(self.generator(z, training=False)))
        return np.concatenate(chunks) if chunks else np.zeros((0,) + self.data_shape)

    def _checked_components(
        self, components: Optional[Any], n: int, name: str = "components"
    ) -> Optional[np.ndarray]:
        if components is None:
            return None
        components = np.asarray(components)
        if components.ndim == 0:
            components = np.full((n,), components)
        k = self.latent.num_components
        if (
            components.shape != (n,)
            or not np.issubdtype(components.dtype, np.integer)
            or np.any(components < 0)
            or np.any(components >= k)
        ):
            raise ValueError(
                f"{name} must be one component index or {n} of them, each in [0, {k - 1}] "
                f"(the prior has {k} components); got {components.tolist()!r:.80}."
            )
        return components.astype("int32")

    @property
    def data_shape(self) -> tuple:
        return tuple(self.generator.output_shape[1:])

    # Logs ------------------------------------------------------------------------------

    @property
    def metrics(self):
        return self.trackers

    def update_trackers(self, **values) -> dict:
        """Updates the named trackers and returns every tracker's running mean."""
        for tracker in self.trackers:
            if tracker.name in values:
                tracker.update_state(values[tracker.name])
        return {tracker.name: tracker.result() for tracker in self.trackers}

    # Serialisation ---------------------------------------------------------------------

    def save_own_variables(self, store):
        """Also saves every seed generator's state, which no Keras format keeps.

        The model's own generator draws the latents; the sub-layers' draw the noise of
        `GaussianNoise` and `Dropout` layers (the SGAN discriminators have both). Without
        them a resumed run would draw other noise than an uninterrupted one.
        """
        super().save_own_variables(store)
        store["seed_generator_state"] = self.seed_generator.state
        for index, generator in enumerate(seed_generators_in(self)):
            store[f"layer_seed_generator_state_{index}"] = generator.state

    def load_own_variables(self, store):
        keys = set(store.keys())
        if "seed_generator_state" in keys:
            self.seed_generator.state.assign(store["seed_generator_state"])
        # Files from releases that did not save the sub-layers' states hold none of these keys.
        for index, generator in enumerate(seed_generators_in(self)):
            key = f"layer_seed_generator_state_{index}"
            if key in keys:
                generator.state.assign(store[key])
        own = self._trainable_variables + self._non_trainable_variables
        for index, variable in enumerate(own):
            variable.assign(store[f"{index}"])

    def get_config(self):
        return {
            "name": self.name,
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "latent": keras.saving.serialize_keras_object(self.latent),
            "seed": self.seed,
            "ema_decay": None if self.generator_average is None else self.generator_average.decay,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for key in ("generator", "discriminator", "latent"):
            config[key] = keras.saving.deserialize_keras_object(
                config[key], custom_objects=custom_objects
            )
        return cls(**config)

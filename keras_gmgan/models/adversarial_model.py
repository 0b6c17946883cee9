"""The base of every adversarial model: players, optimizers, latent prior, seeds, trackers."""

from typing import Any, Optional

import keras
import numpy as np
from keras import ops

from keras_gmgan.backend import AdversarialTrainer
from keras_gmgan.distribution import draw_for_replicas
from keras_gmgan.layers.mixture_latent import MixtureLatent
from keras_gmgan.models.player_optimizers import PlayerOptimizers


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
    """

    #: Names of the values every `train_step` logs; a tracker is made for each.
    tracked_logs: tuple = ("d_loss", "g_loss")

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        latent: Optional[MixtureLatent] = None,
        seed: Optional[int] = None,
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

    # Sampling --------------------------------------------------------------------------

    def sample_latent_noise(self, n, labels=None):
        """Component indices and noise for n latents; pass them through `self.latent`.

        Data-parallel replicas each keep their slice of the global batch's draw.
        """

        def draw(copies):
            tiled = labels if labels is None or copies == 1 else ops.tile(labels, (copies,))
            return self.latent.sample_noise(n * copies, labels=tiled, seed=self.seed_generator)

        return draw_for_replicas(draw, n)

    def call(self, z, training=False):
        return self.generator(z, training=training)

    def generate(
        self,
        n: int,
        labels: Optional[Any] = None,
        sigma_scale: float = 1.0,
        seed: Optional[int] = None,
        batch_size: int = 500,
    ) -> np.ndarray:
        """Returns n generated samples as a NumPy array (repeatable for a given seed).

        `labels` picks the mixture component of every sample: one int for all of them (with a
        supervised GM-GAN, the class to draw) or n ints. `sigma_scale` scales every
        component's spread (below 1: fewer, cleaner modes; above 1: more diversity).
        """
        labels = self._checked_labels(labels, n)
        seed_generator = keras.random.SeedGenerator(seed)
        chunks = []
        for start in range(0, n, batch_size):
            size = min(batch_size, n - start)
            chunk_labels = None if labels is None else labels[start : start + size]
            z, _ = self.latent.sample(
                size, labels=chunk_labels, seed=seed_generator, sigma_scale=sigma_scale
            )
            chunks.append(ops.convert_to_numpy(self.generator(z, training=False)))
        return np.concatenate(chunks) if chunks else np.zeros((0,) + self.data_shape)

    def _checked_labels(self, labels: Optional[Any], n: int) -> Optional[np.ndarray]:
        if labels is None:
            return None
        labels = np.asarray(labels)
        if labels.ndim == 0:
            labels = np.full((n,), labels)
        k = self.latent.num_components
        if (
            labels.shape != (n,)
            or not np.issubdtype(labels.dtype, np.integer)
            or np.any(labels < 0)
            or np.any(labels >= k)
        ):
            raise ValueError(
                f"labels must be one component index or {n} of them, each in [0, {k - 1}] "
                f"(the prior has {k} components); got {labels.tolist()!r:.80}."
            )
        return labels.astype("int32")

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

    def _layer_seed_generators(self) -> list:
        """The seed generators of every sub-layer (noise, dropout), in the layers' fixed order."""
        return [
            generator
            for layer in self._flatten_layers(include_self=False)
            for generator in layer._seed_generators
        ]

    def save_own_variables(self, store):
        """Also saves every seed generator's state, which no Keras format keeps.

        The model's own generator draws the latents; the sub-layers' draw the noise of
        `GaussianNoise` and `Dropout` layers (the SGAN discriminators have both). Without
        them a resumed run would draw other noise than an uninterrupted one.
        """
        super().save_own_variables(store)
        store["seed_generator_state"] = self.seed_generator.state
        for index, generator in enumerate(self._layer_seed_generators()):
            store[f"layer_seed_generator_state_{index}"] = generator.state

    def load_own_variables(self, store):
        keys = set(store.keys())
        if "seed_generator_state" in keys:
            self.seed_generator.state.assign(store["seed_generator_state"])
        # Files written before the sub-layers' states were saved hold none of these keys.
        for index, generator in enumerate(self._layer_seed_generators()):
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
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for key in ("generator", "discriminator", "latent"):
            config[key] = keras.saving.deserialize_keras_object(
                config[key], custom_objects=custom_objects
            )
        return cls(**config)

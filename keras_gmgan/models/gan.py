"""The unconditional GAN: any adversarial objective of `keras_gmgan.losses`, any latent prior."""

from typing import Optional

import keras
from keras import ops

from keras_gmgan import losses
from keras_gmgan.backend import call_network, minimize
from keras_gmgan.layers.mixture_latent import MixtureLatent
from keras_gmgan.layers.nested import nested_layers
from keras_gmgan.layers.pack_samples import packing_of
from keras_gmgan.layers.plain import PLAIN_LAYERS, is_graph_of_layers
from keras_gmgan.layers.spectral_dense import SpectralDense
from keras_gmgan.models.adversarial_model import AdversarialModel

#: How the `n_critic` discriminator steps of one `fit` step see the real batch.
CRITIC_BATCHES = ("repeat", "split")


@keras.saving.register_keras_serializable(package="keras_gmgan")
class GAN(AdversarialModel):
    """A GAN trained with one of the objectives of `keras_gmgan.losses.ADVERSARIAL_LOSSES`.

    Each `fit` step takes `n_critic` discriminator steps, then one generator step:

    1. Discriminator (critic): draw fresh latents, generate a batch of fakes (no gradient to
       the generator) and minimise the objective's discriminator loss on D(x) and D(G(z)),
       plus `gp_weight` times the gradient penalty with `lipschitz="gp"`; with
       `lipschitz="clip"` every discriminator weight is then clipped to
       [−clip_value, clip_value].
    2. Generator: draw fresh latents and minimise the objective's generator loss on
       D(G(z)). A learned prior (`MixtureLatent(trainable_means=True, ...)`, the dynamic
       GM-GAN) is updated with the generator: z = μ_k + σ_k ε is computed inside the loss.

    With `critic_batches="repeat"` every discriminator step sees the whole batch; with
    `"split"` (Algorithm 1 of the WGAN paper) the batch is cut into `n_critic` chunks, one
    per step, and the generator step uses the chunk size as its batch size (a batch smaller
    than `n_critic` is reused). A discriminator built with `SpectralDense` layers (whose
    training calls advance a power iteration) scores real and fake samples in one call on
    their concatenation; any other scores them in two calls, so batch normalisation sees
    them apart.

    With `info_weight` > 0 (a mixture prior of K > 1 components) the discriminator has an
    auxiliary head, as InfoGAN's Q network: its output 0 is the adversarial logit or score,
    outputs 1 … K logits of the component that drew a fake. Both players add `info_weight`
    times `losses.component_recovery` of the fakes to their loss, so each component has to
    draw images the head can tell apart: components become clusters of the data.

    A discriminator that starts with a `PackSamples(pac)` layer (PacGAN) scores `pac`
    consecutive samples jointly: B / pac scores a batch, which the losses average as they
    are. The batch, and each critic chunk, must then be a multiple of `pac`; it cannot have
    a component head or a gradient penalty, which need one score per sample.

    Logs `d_loss`, `g_loss`, `d_real` and `d_fake` (mean D(x) and D(G(z)): probabilities for
    the BCE objective, critic scores otherwise), with `lipschitz="gp"` `gp` (the unweighted
    penalty) and with `info_weight` `info_loss` (the discriminator step's component
    cross-entropy); values of the discriminator steps are averaged over them.

    Args:
        generator: `keras.Model` mapping (batch, latent_dim) to data.
        discriminator: `keras.Model` mapping data to one logit or score per sample.
        latent: the `MixtureLatent` prior; the standard normal when omitted.
        seed: seed of the training-time sampling.
        loss: a name in `keras_gmgan.losses.ADVERSARIAL_LOSSES` (`"bce"`, `"wasserstein"`,
            `"wgan-gp"`, `"hinge"`).
        gp_weight: λ of the gradient penalty.
        n_critic: discriminator steps per generator step; the objective's usual count
            (5 for the Wasserstein ones, 1 otherwise) when omitted. The BCE step takes one.
        lipschitz: `None`, `"clip"`, `"spectral"` (the discriminator must contain
            `SpectralDense` layers) or `"gp"`; the objective's default when omitted
            (`"gp"` for `"wgan-gp"`). The Wasserstein objectives require one.
        clip_value: the clipping bound.
        critic_batches: `"repeat"` or `"split"`, see above.
        info_weight: weight of the component-recovery term (InfoGAN's λ, 1 in the paper);
            0 trains without it. Needs a discriminator with 1 + K outputs.

    References:
        Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014.
        Arjovsky et al., "Wasserstein Generative Adversarial Networks", ICML 2017.
        Gulrajani et al., "Improved Training of Wasserstein GANs", NeurIPS 2017.
        Miyato et al., "Spectral Normalization for Generative Adversarial Networks", ICLR 2018.
        Chen et al., "InfoGAN: Interpretable Representation Learning by Information
        Maximizing Generative Adversarial Nets", NeurIPS 2016.

    Example:
    >>> from keras_gmgan.networks import build_mlp_generator, build_mlp_discriminator
    >>> gan = GAN(build_mlp_generator(8, (4,)), build_mlp_discriminator((4,)), seed=0)
    >>> gan.compile()
    >>> history = gan.fit(keras.random.uniform((32, 4)), batch_size=16, epochs=1, verbose=0)
    >>> sorted(history.history)
    ['d_fake', 'd_loss', 'd_real', 'g_loss']
    """

    tracked_logs = ("d_loss", "g_loss", "d_real", "d_fake")
    #: The objectives a preset accepts (None: every entry of `ADVERSARIAL_LOSSES`).
    allowed_losses: Optional[tuple] = None

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        latent: Optional[MixtureLatent] = None,
        seed: Optional[int] = None,
        loss: str = "bce",
        gp_weight: float = 10.0,
        n_critic: Optional[int] = None,
        lipschitz: Optional[str] = None,
        clip_value: float = 0.01,
        critic_batches: str = "repeat",
        info_weight: float = 0.0,
        **kwargs,
    ):
        if self.allowed_losses is not None and loss not in self.allowed_losses:
            raise ValueError(
                f"loss must be one of {self.allowed_losses} for a {type(self).__name__}; got "
                f"{loss!r} (GAN takes every loss of keras_gmgan.losses.ADVERSARIAL_LOSSES)."
            )
        objective = losses.get_adversarial_loss(loss)
        if lipschitz is None:
            lipschitz = objective.default_lipschitz
        _check_settings(objective, lipschitz, n_critic, gp_weight, clip_value, critic_batches)
        super().__init__(generator, discriminator, latent=latent, seed=seed, **kwargs)
        self.objective = objective
        # Not `self.loss`: `compile` owns that attribute.
        self.adversarial_loss = loss
        self.lipschitz = lipschitz
        self.n_critic = objective.n_critic if n_critic is None else n_critic
        self.gp_weight = float(gp_weight)
        self.clip_value = float(clip_value)
        self.critic_batches = critic_batches
        self._spectral_layers = spectral_normalization_layers(discriminator)
        self._scores_in_one_call = bool(self._spectral_layers) or scores_each_sample_alone(
            discriminator
        )
        if lipschitz == "spectral" and not self._spectral_layers:
            raise ValueError(
                "lipschitz='spectral' needs a critic built with spectrally normalised layers "
                "(keras_gmgan.layers.SpectralDense), and this one has none; build it with e.g. "
                "build_toy_2d_discriminator(spectral_norm=True), or choose "
                "lipschitz='clip' or 'gp'."
            )
        if lipschitz == "gp":
            self.trackers.append(keras.metrics.Mean(name="gp"))
        self.info_weight = _checked_info_weight(info_weight, self.latent, discriminator)
        self.pac = _checked_packing(discriminator, self.info_weight, lipschitz)
        if self.info_weight:
            self.trackers.append(keras.metrics.Mean(name="info_loss"))

    @property
    def num_component_logits(self) -> int:
        """K when the discriminator has a component head (`info_weight` > 0), else 0."""
        return int(self.latent.num_components) if self.info_weight else 0

    def adversarial_scores(self, scores):
        """The discriminator's adversarial logit or score of each sample: its output 0
        when it also has a component head, else all of it."""
        return scores[:, :1] if self.info_weight else scores

    # Training --------------------------------------------------------------------------

    def train_step(self, data):
        real, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        batch_size = ops.shape(real)[0]
        size = batch_size
        if self.critic_batches == "split":
            size = _chunk_size(batch_size, self.n_critic)

        steps = []
        for step in range(self.n_critic):
            real_step = _chunk(real, step, size) if self.critic_batches == "split" else real
            steps.append(self.discriminator_step(real_step, size))

        def generator_loss(fake, components):
            scores = call_network(self.discriminator, fake, training=True)
            loss = self.objective.generator(self.adversarial_scores(scores))
            if self.info_weight:
                loss = loss + self.info_weight * losses.component_recovery(
                    scores[:, 1:], components
                )
            return loss

        g_loss = self.generator_step(size, generator_loss)
        logs = {name: _mean([values[name] for values in steps]) for name in steps[0]}
        return self.update_trackers(g_loss=g_loss, **logs)

    def discriminator_step(self, real, n) -> dict:
        """One discriminator update against n fresh fakes; returns the values to log."""
        fake, components = self.sample_fakes(n)

        def discriminator_loss():
            real_scores, fake_scores = self._score(real, fake)
            info = 0.0
            if self.info_weight:
                info = losses.component_recovery(fake_scores[:, 1:], components)
            real_scores = self.adversarial_scores(real_scores)
            fake_scores = self.adversarial_scores(fake_scores)
            loss = self.objective.discriminator(real_scores, fake_scores) + self.info_weight * info
            penalty = 0.0
            if self.lipschitz == "gp":
                penalty = losses.gradient_penalty(
                    self._adversarial_critic, real, fake, seed=self.seed_generator
                )
                loss = loss + self.gp_weight * penalty
            return loss, (real_scores, fake_scores, penalty, info)

        d_loss, (real_scores, fake_scores, penalty, info) = minimize(
            discriminator_loss, self.discriminator_variables, self.d_optimizer
        )
        self.enforce_lipschitz()
        if self.objective.logits:
            real_scores, fake_scores = ops.sigmoid(real_scores), ops.sigmoid(fake_scores)
        d_real, d_fake = ops.mean(real_scores), ops.mean(fake_scores)
        logs = {"d_loss": d_loss, "d_real": d_real, "d_fake": d_fake}
        logs["wasserstein"] = d_real - d_fake
        if self.lipschitz == "gp":
            logs["gp"] = penalty
        if self.info_weight:
            logs["info_loss"] = info
        return logs

    def _adversarial_critic(self, x, training=False):
        """The discriminator's adversarial output alone: what the gradient penalty bounds."""
        return self.adversarial_scores(call_network(self.discriminator, x, training=training))

    def _score(self, real, fake):
        """D(x) and D(G(z)), from one discriminator call on both batches where that gives every
        sample the score it gets alone (`scores_each_sample_alone`): one pass through the
        layers instead of two, which eager PyTorch pays for per layer. A spectrally normalised
        critic always takes one call, so that its power iteration runs once a step. A critic
        with a layer that mixes samples (batch normalisation) scores the batches apart, and so
        does data of another shape than the generator's, so that the discriminator's input
        check names the problem."""
        if self._scores_in_one_call and tuple(real.shape[1:]) == tuple(fake.shape[1:]):
            scores = call_network(self.discriminator, ops.concatenate([real, fake]), training=True)
            n_real = ops.shape(real)[0] // self.pac
            return scores[:n_real], scores[n_real:]
        return (
            call_network(self.discriminator, real, training=True),
            call_network(self.discriminator, fake, training=True),
        )

    def enforce_lipschitz(self) -> None:
        """Clips every discriminator weight after its update (`lipschitz="clip"`).

        Written with `variable.assign(ops...)`, which also works inside the jit-compiled JAX
        step (the assignment lands in the step's stateless scope). `SpectralDense` layers
        normalise themselves in every call and need nothing here.
        """
        if self.lipschitz == "clip":
            for variable in self.discriminator.trainable_variables:
                variable.assign(ops.clip(variable, -self.clip_value, self.clip_value))

    # Serialisation ---------------------------------------------------------------------

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "loss": self.adversarial_loss,
                "lipschitz": self.lipschitz,
                "n_critic": self.n_critic,
                "gp_weight": self.gp_weight,
                "clip_value": self.clip_value,
                "critic_batches": self.critic_batches,
                "info_weight": self.info_weight,
            }
        )
        return config


def _check_settings(objective, lipschitz, n_critic, gp_weight, clip_value, critic_batches):
    """Raises a one-line ValueError for settings that cannot train."""
    if lipschitz is not None and lipschitz not in losses.LIPSCHITZ_METHODS:
        raise ValueError(
            f"Unknown lipschitz={lipschitz!r}; choose one of {', '.join(losses.LIPSCHITZ_METHODS)}."
        )
    if objective.lipschitz == "required" and lipschitz is None:
        raise ValueError(
            f"loss={objective.name!r} needs a Lipschitz discriminator: pass lipschitz="
            f"{' or '.join(repr(m) for m in losses.LIPSCHITZ_METHODS)} (or loss='wgan-gp')."
        )
    if objective.default_lipschitz is not None and lipschitz != objective.default_lipschitz:
        raise ValueError(
            f"loss={objective.name!r} comes with lipschitz={objective.default_lipschitz!r}; "
            f"for lipschitz={lipschitz!r} use loss='wasserstein'."
        )
    if n_critic is not None and (
        isinstance(n_critic, bool) or not isinstance(n_critic, int) or n_critic < 1
    ):
        raise ValueError(f"n_critic must be a positive integer; got {n_critic!r}.")
    if objective.logits and n_critic not in (None, 1):
        raise ValueError(
            f"n_critic={n_critic} needs loss='wgan-gp' (or another critic loss); the BCE step "
            "takes one discriminator update per generator update."
        )
    if not clip_value > 0:
        raise ValueError(f"clip_value must be positive; got {clip_value!r}.")
    if not gp_weight >= 0:
        raise ValueError(f"gp_weight must be >= 0; got {gp_weight!r}.")
    if critic_batches not in CRITIC_BATCHES:
        raise ValueError(
            f"critic_batches must be one of {', '.join(CRITIC_BATCHES)}; got {critic_batches!r}."
        )


def _checked_info_weight(info_weight, latent, discriminator) -> float:
    """`info_weight` as a float; a one-line ValueError when it cannot train."""
    if isinstance(info_weight, bool) or not info_weight >= 0 or info_weight == float("inf"):
        raise ValueError(f"info_weight must be a finite number >= 0; got {info_weight!r}.")
    if not info_weight:
        return 0.0
    k = int(latent.num_components)
    if k < 2:
        raise ValueError(
            "info_weight asks the discriminator which mixture component drew each fake, and "
            "this prior has one component; use a mixture (num_components >= 2) or info_weight=0."
        )
    outputs = discriminator.output_shape[-1]
    if outputs != 1 + k:
        raise ValueError(
            f"info_weight needs a discriminator with 1 + K = {1 + k} outputs (the adversarial "
            f"logit and {k} component logits); this one has {outputs}: build it with "
            f"num_outputs={1 + k}."
        )
    return float(info_weight)


def _checked_packing(discriminator, info_weight: float, lipschitz: Optional[str]) -> int:
    """How many samples the discriminator scores jointly (`PackSamples`); a one-line
    ValueError for the settings that need one score per sample."""
    pac = packing_of(discriminator)
    if pac > 1 and info_weight:
        raise ValueError(
            f"info_weight asks which component drew each fake, and this discriminator scores "
            f"{pac} samples jointly (pac={pac}); use pac=1 or info_weight=0."
        )
    if pac > 1 and lipschitz == "gp":
        raise ValueError(
            f"The gradient penalty bounds the critic's gradient at each sample, and this "
            f"critic scores {pac} samples jointly (pac={pac}); use pac=1, or a BCE or "
            "hinge loss, or lipschitz='clip' or 'spectral'."
        )
    return pac


def spectral_normalization_layers(model: keras.layers.Layer) -> list:
    """Every `SpectralDense` layer inside `model`."""
    return nested_layers(model, SpectralDense)


#: Layers that map each sample (or each packed group of samples) on its own
#: (`keras_gmgan.layers.plain`), and the input layer.
PER_SAMPLE_LAYERS = (keras.layers.InputLayer, *PLAIN_LAYERS)


def scores_each_sample_alone(model: keras.Model) -> bool:
    """Whether every layer inside `model` is one of `PER_SAMPLE_LAYERS`, or a functional or
    `Sequential` model of them.

    Unknown layers count as mixing samples (batch normalisation does; a custom minibatch
    statistic would), and so does a subclassed model, whose own `call` may; a discriminator
    with one keeps scoring real and fake apart.
    """
    return all(
        isinstance(layer, PER_SAMPLE_LAYERS) or is_graph_of_layers(layer)
        for layer in nested_layers(model, keras.layers.Layer)
    )


def _chunk_size(batch_size, n_chunks: int):
    """Rows per critic step: batch_size // n_chunks, at least 1 (static when the shape is)."""
    if isinstance(batch_size, int):
        return max(batch_size // n_chunks, 1)
    return ops.maximum(batch_size // n_chunks, 1)


def _chunk(real, index: int, size):
    """The index-th chunk of `size` rows of `real`, wrapping round when the batch is short."""
    batch_size = ops.shape(real)[0]
    if isinstance(batch_size, int) and isinstance(size, int):
        start = (index * size) % batch_size
        return real[start : start + size]
    start = ops.mod(index * size, batch_size)
    return real[start : start + size]


def _mean(values: list):
    if len(values) == 1:
        return values[0]
    return ops.mean(ops.stack([ops.convert_to_tensor(v, "float32") for v in values]))

"""Wasserstein GAN with weight clipping, spectral normalisation or a gradient penalty."""

from typing import Any, Optional

import keras
from keras import ops

from keras_gmgan import losses
from keras_gmgan.backend import minimize
from keras_gmgan.layers.mixture_latent import MixtureLatent
from keras_gmgan.layers.spectral_dense import SpectralDense
from keras_gmgan.models.adversarial_model import AdversarialModel

#: The ways of keeping the critic (about) 1-Lipschitz.
LIPSCHITZ_METHODS = ("clip", "spectral", "gp")


def wgan_optimizer() -> keras.optimizers.Optimizer:
    """Adam(1e-4, β1=0, β2=0.9): the WGAN-GP setting; β1=0 drops the momentum that the
    WGAN paper found destabilises critic training."""
    return keras.optimizers.Adam(learning_rate=1e-4, beta_1=0.0, beta_2=0.9)


@keras.saving.register_keras_serializable(package="keras_gmgan")
class WGAN(AdversarialModel):
    """Wasserstein GAN: `n_critic` critic steps, then one generator step, per batch.

    The critic f maximises E[f(x)] − E[f(G(z))], an estimate of the Wasserstein-1 distance
    when f is 1-Lipschitz; the generator minimises −E[f(G(z))]. The Lipschitz constraint is
    kept by one of:

    - `"clip"`: every critic weight is clipped to [−clip_value, clip_value] after every
      critic update (Arjovsky et al.);
    - `"spectral"`: the critic is built with spectrally normalised layers: `SpectralDense`
      (what `build_toy_2d_discriminator(spectral_norm=True)` uses; W / σ(W) is computed in
      each call, gradient through σ included) or `keras.layers.SpectralNormalization`
      wrappers, whose kernels the model also re-normalises after every critic update;
    - `"gp"`: the gradient penalty gp_weight · E[(‖∇f(x̂)‖ − 1)²] at random interpolates x̂
      is added to the critic loss (Gulrajani et al.).

    Data for the critic steps: as in Algorithm 1 of the WGAN paper (and the EPFL exercise),
    each critic step sees a fresh real batch. The batch that `fit` passes is therefore split
    into `n_critic` equal chunks, one per critic step, and the generator step uses the chunk
    size as its batch size: call `fit(batch_size=n_critic * m)` for critic batches of m.
    (A ragged last batch is split the same way; a batch smaller than `n_critic` is reused.)
    One `fit` step is one generator step. The critic scores the real and fake chunks in one
    call on their concatenation, so a critic with batch normalisation would mix their
    statistics (WGAN critics should not use it; the gradient penalty forbids it anyway).

    Logs `d_loss` (critic loss, penalty included), `g_loss`, `wasserstein` (the estimate
    E[f(x)] − E[f(G(z))], averaged over the critic steps) and, with `"gp"`, `gp` (the
    unweighted penalty).

    Args:
        generator: `keras.Model` mapping (batch, latent_dim) to data.
        discriminator: the critic, mapping data to one unbounded score per sample.
        latent: the `MixtureLatent` prior; the standard normal when omitted.
        lipschitz: `"clip"`, `"spectral"` or `"gp"`.
        n_critic: critic updates per generator update (5 in the WGAN papers).
        clip_value: the clipping bound (used with `"clip"`).
        gp_weight: the penalty weight λ (used with `"gp"`).
        seed: seed of the training-time sampling.

    `compile()` without optimizers uses Adam(1e-4, β1=0, β2=0.9) for both players.

    References:
        Arjovsky et al., "Wasserstein Generative Adversarial Networks", ICML 2017.
        Gulrajani et al., "Improved Training of Wasserstein GANs", NeurIPS 2017.
        Miyato et al., "Spectral Normalization for Generative Adversarial Networks", ICLR 2018.

    Example:
    >>> from keras_gmgan.networks import build_toy_2d_generator, build_toy_2d_discriminator
    >>> wgan = WGAN(build_toy_2d_generator(), build_toy_2d_discriminator(), n_critic=2, seed=0)
    >>> wgan.compile()
    >>> history = wgan.fit(keras.random.normal((64, 2)), batch_size=32, epochs=1, verbose=0)
    >>> sorted(history.history)
    ['d_loss', 'g_loss', 'gp', 'wasserstein']
    """

    tracked_logs = ("d_loss", "g_loss", "wasserstein", "gp")

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        latent: Optional[MixtureLatent] = None,
        lipschitz: str = "gp",
        n_critic: int = 5,
        clip_value: float = 0.01,
        gp_weight: float = 10.0,
        seed: Optional[int] = None,
        **kwargs,
    ):
        if lipschitz not in LIPSCHITZ_METHODS:
            raise ValueError(
                f"Unknown lipschitz={lipschitz!r}; choose one of {', '.join(LIPSCHITZ_METHODS)}."
            )
        if isinstance(n_critic, bool) or not isinstance(n_critic, int) or n_critic < 1:
            raise ValueError(f"n_critic must be a positive integer; got {n_critic!r}.")
        if not clip_value > 0:
            raise ValueError(f"clip_value must be positive; got {clip_value!r}.")
        if not gp_weight >= 0:
            raise ValueError(f"gp_weight must be >= 0; got {gp_weight!r}.")
        super().__init__(generator, discriminator, latent=latent, seed=seed, **kwargs)
        self.lipschitz = lipschitz
        self.n_critic = n_critic
        self.clip_value = float(clip_value)
        self.gp_weight = float(gp_weight)
        self._spectral_layers = spectral_normalization_layers(discriminator)
        if lipschitz == "spectral" and not self._spectral_layers:
            raise ValueError(
                "lipschitz='spectral' needs a critic built with spectrally normalised layers "
                "(keras_gmgan.layers.SpectralDense or keras.layers.SpectralNormalization), and "
                "this one has none; build it with e.g. "
                "build_toy_2d_discriminator(spectral_norm=True), or choose "
                "lipschitz='clip' or 'gp'."
            )
        if lipschitz != "gp":
            self.trackers = [t for t in self.trackers if t.name != "gp"]

    def compile(self, d_optimizer: Any = None, g_optimizer: Any = None, **kwargs):
        """Sets one optimizer per player; Adam(1e-4, β1=0, β2=0.9) for each one left out."""
        super().compile(
            d_optimizer=d_optimizer or wgan_optimizer(),
            g_optimizer=g_optimizer or wgan_optimizer(),
            **kwargs,
        )

    # Training --------------------------------------------------------------------------

    def train_step(self, data):
        real, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        chunk_size = _chunk_size(ops.shape(real)[0], self.n_critic)

        d_losses, estimates, penalties = [], [], []
        for step in range(self.n_critic):
            real_chunk = _chunk(real, step, chunk_size)
            labels, noise = self.sample_latent_noise(chunk_size)
            fake = ops.stop_gradient(self.generator(self.latent((labels, noise)), training=True))

            def critic_loss(real_chunk=real_chunk, fake=fake):
                # One call on both halves: a SpectralNormalization layer assigns its kernel
                # in place in each training call, which breaks torch's autograd when the
                # critic is called twice in one graph.
                scores = self.discriminator(ops.concatenate([real_chunk, fake]), training=True)
                real_scores, fake_scores = scores[:chunk_size], scores[chunk_size:]
                loss = losses.critic_wasserstein(real_scores, fake_scores)
                penalty = 0.0
                if self.lipschitz == "gp":
                    penalty = losses.gradient_penalty(
                        self.discriminator, real_chunk, fake, seed=self.seed_generator
                    )
                    loss = loss + self.gp_weight * penalty
                return loss, (ops.mean(real_scores) - ops.mean(fake_scores), penalty)

            d_loss, (estimate, penalty) = minimize(
                critic_loss, self.discriminator_variables, self.d_optimizer
            )
            self.enforce_lipschitz()
            d_losses.append(d_loss)
            estimates.append(estimate)
            penalties.append(penalty)

        labels, noise = self.sample_latent_noise(chunk_size)

        def generator_loss():
            fake = self.generator(self.latent((labels, noise)), training=True)
            return losses.generator_wasserstein(self.discriminator(fake, training=True)), ()

        g_loss, _ = minimize(generator_loss, self.generator_variables, self.g_optimizer)
        self.update_generator_average()

        logs = {
            "d_loss": _mean(d_losses),
            "g_loss": g_loss,
            "wasserstein": _mean(estimates),
        }
        if self.lipschitz == "gp":
            logs["gp"] = _mean(penalties)
        return self.update_trackers(**logs)

    def enforce_lipschitz(self) -> None:
        """Applies the constraint after a critic update: clip, or re-normalise kernels.

        Written with `variable.assign(ops...)`, which also works inside the jit-compiled JAX
        step (the assignment lands in the step's stateless scope).
        """
        if self.lipschitz == "clip":
            for variable in self.discriminator.trainable_variables:
                variable.assign(ops.clip(variable, -self.clip_value, self.clip_value))
        elif self.lipschitz == "spectral":
            for layer in self._spectral_layers:
                if isinstance(layer, SpectralDense):
                    continue  # normalises itself in every call
                vector_u, kernel = layer.normalized_weights()
                layer.vector_u.assign(vector_u)
                layer.kernel.assign(kernel)

    # Serialisation ---------------------------------------------------------------------

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "lipschitz": self.lipschitz,
                "n_critic": self.n_critic,
                "clip_value": self.clip_value,
                "gp_weight": self.gp_weight,
            }
        )
        return config


def spectral_normalization_layers(model: keras.layers.Layer) -> list:
    """Every `SpectralDense` or `keras.layers.SpectralNormalization` inside `model`."""
    found = []

    def visit(layer):
        if isinstance(layer, (SpectralDense, keras.layers.SpectralNormalization)):
            found.append(layer)
        for child in getattr(layer, "layers", None) or []:
            visit(child)
        inner = getattr(layer, "layer", None)
        if isinstance(inner, keras.layers.Layer):
            visit(inner)

    visit(model)
    return found


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
    return ops.mean(ops.stack([ops.convert_to_tensor(v, "float32") for v in values]))

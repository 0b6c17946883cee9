"""Wasserstein GAN: the `GAN` with the Wasserstein objective and one Lipschitz method."""

from typing import Any, Optional

import keras

from keras_gmgan.layers.mixture_latent import MixtureLatent
from keras_gmgan.losses import LIPSCHITZ_METHODS as LIPSCHITZ_METHODS
from keras_gmgan.models.gan import GAN
from keras_gmgan.models.gan import _chunk as _chunk
from keras_gmgan.models.gan import spectral_normalization_layers as spectral_normalization_layers


def wgan_optimizer() -> keras.optimizers.Optimizer:
    """Adam(1e-4, β1=0, β2=0.9): the WGAN-GP setting; β1=0 drops the momentum that the
    WGAN paper found destabilises critic training."""
    return keras.optimizers.Adam(learning_rate=1e-4, beta_1=0.0, beta_2=0.9)


@keras.saving.register_keras_serializable(package="keras_gmgan")
class WGAN(GAN):
    """Wasserstein GAN: `GAN(loss="wasserstein", critic_batches="split")` with a Lipschitz method.

    The critic f maximises E[f(x)] − E[f(G(z))], an estimate of the Wasserstein-1 distance
    when f is 1-Lipschitz; the generator minimises −E[f(G(z))]. The Lipschitz constraint is
    kept by one of:

    - `"clip"`: every critic weight is clipped to [−clip_value, clip_value] after every
      critic update (Arjovsky et al.);
    - `"spectral"`: the critic is built with `SpectralDense` layers (what
      `build_toy_2d_discriminator(spectral_norm=True)` uses; W / σ(W) is computed in each
      call, gradient through σ included);
    - `"gp"`: the gradient penalty gp_weight · E[(‖∇f(x̂)‖ − 1)²] at random interpolates x̂
      is added to the critic loss (Gulrajani et al.).

    As in Algorithm 1 of the WGAN paper each critic step sees a fresh real batch: the batch
    that `fit` passes is split into `n_critic` equal chunks, one per critic step, and the
    generator step uses the chunk size as its batch size, so call
    `fit(batch_size=n_critic * m)` for critic batches of m. One `fit` step is one generator
    step.

    Logs `d_loss` (critic loss, penalty included), `g_loss`, `wasserstein` (the estimate
    E[f(x)] − E[f(G(z))]), and with `"gp"`, `gp` (the unweighted penalty), each averaged
    over the critic steps.

    Args:
        generator, discriminator, latent, seed: as for `GAN`; the discriminator is the
            critic, with one unbounded score per sample.
        lipschitz: `"clip"`, `"spectral"` or `"gp"`.
        n_critic: critic updates per generator update (5 in the WGAN papers).
        clip_value: the clipping bound (used with `"clip"`).
        gp_weight: the penalty weight λ (used with `"gp"`).

    `compile()` without optimizers uses Adam(1e-4, β1=0, β2=0.9) for both players.

    Example:
    >>> from keras_gmgan.networks import build_toy_2d_generator, build_toy_2d_discriminator
    >>> wgan = WGAN(build_toy_2d_generator(), build_toy_2d_discriminator(), n_critic=2, seed=0)
    >>> wgan.compile()
    >>> history = wgan.fit(keras.random.normal((64, 2)), batch_size=32, epochs=1, verbose=0)
    >>> sorted(history.history)
    ['d_loss', 'g_loss', 'gp', 'wasserstein']
    """

    tracked_logs = ("d_loss", "g_loss", "wasserstein")

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
        super().__init__(
            generator,
            discriminator,
            latent=latent,
            seed=seed,
            loss="wasserstein",
            lipschitz=lipschitz,
            n_critic=n_critic,
            gp_weight=gp_weight,
            clip_value=clip_value,
            critic_batches="split",
            **kwargs,
        )

    def compile(self, d_optimizer: Any = None, g_optimizer: Any = None, **kwargs):
        """Sets one optimizer per player; Adam(1e-4, β1=0, β2=0.9) for each one left out."""
        super().compile(
            d_optimizer=d_optimizer or wgan_optimizer(),
            g_optimizer=g_optimizer or wgan_optimizer(),
            **kwargs,
        )

    def get_config(self):
        config = super().get_config()
        del config["loss"], config["critic_batches"]
        return config

"""Recipes of the unsupervised and class-conditional GANs: `gan`, `wgan`, `gmgan`,
`gmgan_dynamic`, `gmgan_supervised`.

Each returns a compiled model with the seed projects' networks, prior and optimizers; every
keyword argument is also a `keras-gmgan fit` option of the same name, and its default here
is the one the command line uses. No Keras import at module level (see `keras_gmgan.recipes`).
"""

import inspect
from pathlib import Path
from typing import Optional, Sequence, Union

#: Gulrajani et al. (2017): Adam(1e-4, β=(0, 0.9)) for a critic with gradient penalty.
WGAN_GP_ADAM = (1e-4, 0.0, 0.9)
#: The course template's Adam(2e-4, β=(0.5, 0.999)), (lr, β1, β2): the image default of `gan`
#: and of the dynamic GM-GAN.
TEMPLATE_ADAM = (2e-4, 0.5, 0.999)
#: The static GM-GAN's Adam on images: the template's at 3e-4, the rate the tuning sweep
#: found, which with `IMAGE_PRIOR` trained to a lower FID than 2e-4 on each of three seeds
#: (BENCHMARKS.md, time to quality).
STATIC_GMGAN_ADAM = (3e-4, 0.5, 0.999)
#: A BCE GM-GAN's Adam on images, by variant (a wgan-gp critic takes `WGAN_GP_ADAM`); the
#: supervised recipe passes its own rate and β1, and takes β2 from here.
GMGAN_IMAGE_ADAM = {
    "static": STATIC_GMGAN_ADAM,
    "dynamic": TEMPLATE_ADAM,
    "supervised": TEMPLATE_ADAM,
}

#: What an option left as None means for 2-D points: the settings of
#: `benchmarks/mixtures_2d.py` (BENCHMARKS.md, "2-D mixtures"): 3×128 ReLU networks on
#: standardised points, Adam(1e-3, β=(0.5, 0.9)) decayed linearly to 0 over the run, for a
#: critic 5 steps of 64 points per generator step with gradient-penalty weight 0.1 or clip
#: value 0.1, and batches of 256 for a BCE discriminator. `IMAGE_DEFAULTS` is the same for
#: images (the GM-GANs' lr and β1 follow their loss there, see `gmgan`).
POINT_DEFAULTS = {
    "network": "mlp-3x128",
    "lr": 1e-3,
    "beta1": 0.5,
    "beta2": 0.9,
    "n_critic": 5,
    "gp_weight": 0.1,
    "clip_value": 0.1,
    "lr_decay": "linear",
    "loss": "wgan-gp",
}
IMAGE_DEFAULTS = {"loss": "bce", "network": "mlp", "gp_weight": 10.0, "clip_value": 0.01,
                  "lr_decay": "none", "n_critic": 5}  # fmt: skip
#: Points per critic step and per BCE batch on 2-D data (`points_batch_size`).
POINT_CRITIC_BATCH, POINT_BCE_BATCH = 64, 256
#: The GM-GAN prior on 2-D points: d latent dimensions, means drawn from U[-c, c]^d, σ
#: (BENCHMARKS.md, "GM-GAN with one component per mode"). In 8 dimensions the components
#: are far apart, so the generator can send each to its own mode without bridges.
POINT_PRIOR = {"latent_dim": 8, "c": 1.0, "sigma": 0.02}
#: The static GM-GAN's critic on 2-D points, where `wgan` keeps `POINT_DEFAULTS`: a gradient
#: penalty of weight 0.01 on standardised points and 10 critic steps per generator step.
#: With one component per mode, the penalty of 0.1 and 5 steps let a component slide off its
#: mode or join a neighbour's late in some runs (the target, every mode with ≥ 98 % high
#: quality and reverse KL ≤ 0.02, on 7 of 10 runs, ring and grid, seeds 0-4); with these
#: 10 of 10, at twice the critic's work (BENCHMARKS.md, 2-D, "A lighter penalty and more
#: critic steps").
POINT_GMGAN_CRITIC = {"gp_weight": 0.01, "n_critic": 10}
#: The static GM-GAN's rates on 2-D points fall linearly to this fraction of their start, not
#: to 0: in the last few hundred steps of a decay to 0, some runs lost a mode they had held
#: all along, with no steps left to win it back (BENCHMARKS.md, 2-D, "A decay that ends at
#: a tenth of the rate").
POINT_GMGAN_LR_FLOOR = 0.1
#: The static GM-GAN's prior on images: means drawn from U[-3, 3]^100 with σ = 1.4 (the
#: supervised GM-GAN's), so that neighbouring components lie about 1.5 of their radii σ·√d
#: apart, where the seed projects' c = 0.467, σ = 0.7 overlap (0.5 radii). On MNIST it
#: halved the FID at 10 minutes of training, over 3 seeds (BENCHMARKS.md, time to quality).
IMAGE_PRIOR = {"c": 3.0, "sigma": 1.4}
#: The supervised GM-GAN's prior, the seed project's: c = 3 and a learned σ per dimension
#: starting at 1.4 (`gmgan_supervised`'s defaults).
SUPERVISED_PRIOR = {"c": 3.0, "sigma": 1.4}
#: The GM-GANs' priors on images, by variant, when c and σ are not given: the static one's
#: `IMAGE_PRIOR`, the seed projects' for the others (dynamic: c = 0.467, σ = 0.7, learned).
GMGAN_IMAGE_PRIORS = {
    "static": IMAGE_PRIOR,
    "dynamic": {"c": 0.467, "sigma": 0.7},
    "supervised": SUPERVISED_PRIOR,
}
#: The static GM-GAN samples a moving average of its generator with this decay. On 2-D points
#: it removes most of the spread between runs (BENCHMARKS.md, 2-D, three seeds); on MNIST it
#: lowered the FID and raised recall and coverage at every checkpoint of 3 of 3 seeds
#: (BENCHMARKS.md, time to quality, "The generator's moving average at the default rate").
STATIC_GMGAN_EMA_DECAY = 0.999
#: The static GM-GAN's discriminator on images scores pairs of samples (PacGAN) and learns at
#: 1e-4, a third of the generator's rate: trained from scratch with the BCE loss this kept
#: every MNIST digit within 7.4-13.3 % of the samples on 3 of 3 seeds after 10 minutes, and
#: improved on to 20, where one score per sample at the generator's rate drew 1s at 19-20 %
#: on 2 seeds of 3 and lost the 2s with longer training (BENCHMARKS.md, time to quality,
#: "A packed discriminator at a third of the rate"). It trains slower in the first minutes.
STATIC_GMGAN_PAC = 2
STATIC_GMGAN_D_LR = 1e-4
#: The 2-D networks by `network` name: hidden units of the generator and the discriminator.
POINT_NETWORKS = {"mlp": (100,), "mlp-3x128": (128, 128, 128), "deep": (512, 512, 512)}


def is_points(data_shape: Sequence[int]) -> bool:
    """Whether `data_shape` is that of points (e.g. (2,)) rather than images (h, w, c)."""
    return len(data_shape) != 3


def default_for(option: str, points: bool):
    """The default of `option` for 2-D points or for images (`POINT_DEFAULTS`,
    `IMAGE_DEFAULTS`)."""
    return (POINT_DEFAULTS if points else IMAGE_DEFAULTS)[option]


def resolve(option: str, value, data_shape: Sequence[int]):
    """`value`, or when None the default of `option` for this kind of data."""
    return default_for(option, is_points(data_shape)) if value is None else value


def points_batch_size(critic: bool, n_critic: Optional[int] = None) -> int:
    """The default batch of a 2-D run: `n_critic` critic steps of 64 points for a critic
    (the batch is split between them; `POINT_DEFAULTS`' 5 when None), 256 points for a BCE
    discriminator."""
    if critic:
        return (n_critic or POINT_DEFAULTS["n_critic"]) * POINT_CRITIC_BATCH
    return POINT_BCE_BATCH


def default_latent_dim(data_shape: Sequence[int]) -> int:
    """100 latent dimensions for images, 2 for 2-D points."""
    return 2 if is_points(data_shape) else 100


def mixture_prior(
    latent_dim: int,
    components: int = 1,
    c: Optional[float] = None,
    sigma: Optional[float] = None,
    seed: Optional[int] = None,
    learned: bool = False,
    per_dimension_sigma: bool = False,
):
    """The latent prior: one component is the standard normal; more components default to
    means drawn from U[-0.5, 0.5]^d with σ = 0.7, close to the seed projects' best static
    GM-GAN setting. `learned` makes the means and σ trainable (the dynamic and supervised
    GM-GANs); `per_dimension_sigma` gives each component a σ per latent dimension."""
    from keras_gmgan.layers import MixtureLatent

    c = c if c is not None else (0.0 if components == 1 else 0.5)
    sigma = sigma if sigma is not None else (1.0 if components == 1 else 0.7)
    return MixtureLatent(
        latent_dim=latent_dim,
        num_components=components,
        c=c,
        sigma=sigma,
        per_dimension_sigma=per_dimension_sigma,
        trainable_means=learned,
        trainable_sigma=learned,
        seed=seed,
        name="latent",
    )


def networks_for(
    data_shape: Sequence[int],
    latent_dim: int,
    network: str = "mlp",
    num_outputs: int = 1,
    spectral_norm: bool = False,
    data_scale: Optional[float] = None,
    critic: bool = False,
    pac: int = 1,
):
    """The generator/discriminator pair named `network` for data of shape `data_shape`:
    mlp (100 units), mlp-3x128 and deep (3×512) for 2-D points, mlp and dcgan for images.
    For points, `data_scale` (the data's std) makes both networks work on standardised
    points while taking and drawing data units (a `critic`'s score is scaled by it too, see
    `build_toy_2d_discriminator`). `pac` > 1 packs the discriminator's input (PacGAN)."""
    from keras_gmgan import networks

    if is_points(data_shape):
        if network not in POINT_NETWORKS:
            raise ValueError(
                f"--network {network} needs image data; use {', '.join(POINT_NETWORKS)} for "
                "2-D points."
            )
        hidden = POINT_NETWORKS[network]
        generator = networks.build_toy_2d_generator(latent_dim, hidden, data_scale=data_scale)
        discriminator = networks.build_toy_2d_discriminator(
            hidden,
            spectral_norm=spectral_norm,
            num_outputs=num_outputs,
            data_scale=data_scale,
            critic=critic,
            pac=pac,
        )
        return generator, discriminator
    if spectral_norm:
        raise ValueError("--lipschitz spectral is available for the 2-D networks only.")
    if network not in ("mlp", "dcgan"):
        raise ValueError(f"--network {network} is a 2-D pair; use mlp or dcgan for images.")
    return networks.build_networks(data_shape, latent_dim, network, num_outputs, pac=pac)


def adam_pair(
    lr: float,
    beta1: float,
    beta2: float = 0.999,
    decay_steps: Optional[int] = None,
    hold_steps: int = 0,
    lr_floor: float = 0.0,
    epsilon: float = 1e-7,
    d_steps: int = 1,
    d_lr: Optional[float] = None,
    d_beta1: Optional[float] = None,
) -> dict:
    """Two Adam optimizers, one per player, as `compile` keyword arguments.

    `lr` and `beta1` are the generator's, and the discriminator's unless `d_lr` or `d_beta1`
    gives it its own (a two time-scale update rule, Heusel et al. 2017).

    With `decay_steps` each rate stays for `hold_steps` steps of its optimizer, then falls
    linearly to `lr_floor` times itself over `decay_steps` more (`HoldThenLinearDecay`, a
    stateless schedule on the optimizer's own step count, so it is exact under every
    backend and a resumed run picks it up where it stopped). `d_steps` is the
    discriminator's updates per generator update (a critic's `n_critic`): its schedule is
    stretched by it, so both reach the end of the decay together.
    """
    import keras

    from keras_gmgan.schedules import HoldThenLinearDecay

    def rate(initial, steps_per_step):
        if decay_steps is None:
            return initial
        return HoldThenLinearDecay(initial, hold_steps=hold_steps * steps_per_step,
                                   decay_steps=decay_steps * steps_per_step,
                                   end_learning_rate=lr_floor * initial)  # fmt: skip

    players = {
        "d": (lr if d_lr is None else d_lr, beta1 if d_beta1 is None else d_beta1, d_steps),
        "g": (lr, beta1, 1),
    }
    return {
        f"{player}_optimizer": keras.optimizers.Adam(
            rate(initial, steps), beta_1=beta_1, beta_2=beta2, epsilon=epsilon
        )
        for player, (initial, beta_1, steps) in players.items()
    }


def _decay_steps(lr_decay: str, train_steps: Optional[int]) -> Optional[int]:
    """The steps `adam_pair` decays over: the run's for "linear", None for "none"."""
    if lr_decay == "none":
        return None
    if lr_decay != "linear":
        raise ValueError(f"lr_decay must be 'linear' or 'none'; got {lr_decay!r}.")
    if train_steps is None:
        raise ValueError("lr_decay='linear' needs train_steps, the steps of the whole run.")
    return train_steps


def _gp_weight(
    gp_weight: Optional[float],
    data_shape,
    data_scale: Optional[float],
    points_weight: Optional[float] = None,
) -> float:
    """`gp_weight`, or when None 10 for images and, for points, `points_weight` (when None
    `POINT_DEFAULTS`' 0.1) × `data_scale`: the critic's score is scaled by `data_scale`
    (`networks_for`), so this is `points_weight` on standardised points, with the whole
    loss scaled by `data_scale` (which Adam ignores)."""
    if gp_weight is not None:
        return gp_weight
    if is_points(data_shape) and points_weight is not None:
        return points_weight * (data_scale or 1.0)
    return resolve("gp_weight", None, data_shape) * (data_scale or 1.0)


def _lr_decay(lr_decay: Optional[str], data_shape, train_steps: Optional[int]) -> str:
    """`lr_decay`, or when None: linear for 2-D points when the run's length is known."""
    if lr_decay is None and is_points(data_shape) and train_steps is None:
        return "none"
    return resolve("lr_decay", lr_decay, data_shape)


def static_gmgan_packing(points: bool, loss: str, info_weight: float, init_from) -> int:
    """The static GM-GAN's `pac` when none is given: `STATIC_GMGAN_PAC` on images with the
    BCE loss, trained from scratch without a component head; 1 where packing cannot work
    (a gradient penalty or a component head needs one score per sample, a warm start copies
    an unpacked discriminator) or was not measured (2-D points)."""
    if points or loss != "bce" or info_weight or init_from is not None:
        return 1
    return STATIC_GMGAN_PAC


def gan(
    data_shape: Sequence[int],
    data_scale: Optional[float] = None,
    train_steps: Optional[int] = None,
    *,
    latent_dim: Optional[int] = None,
    components: int = 1,
    c: Optional[float] = None,
    sigma: Optional[float] = None,
    network: Optional[str] = None,
    lr: Optional[float] = None,
    beta1: Optional[float] = None,
    d_lr: Optional[float] = None,
    d_beta1: Optional[float] = None,
    lr_decay: Optional[str] = None,
    lr_floor: float = 0.0,
    ema_decay: Optional[float] = None,
    pac: int = 1,
    steps_per_execution: int = 1,
    seed: Optional[int] = None,
):
    """A vanilla GAN with the non-saturating BCE loss, compiled.

    Options left as None take the defaults of the data: for images the course template's
    MLPs and Adam(2e-4, β=(0.5, 0.999)) at a constant rate; for 2-D points the 2-D
    benchmark's settings (`POINT_DEFAULTS`): 3×128 ReLU networks on standardised points,
    Adam(1e-3, β=(0.5, 0.9)) decayed linearly to 0 over `train_steps`. Train it on points
    with batches of 256 (`points_batch_size`), as `keras-gmgan fit` does.

    Args:
        data_shape: (28, 28, 1) for images, (2,) for 2-D points.
        data_scale: 2-D points: their standard deviation (e.g. `x.std()`); the networks
            then work on points divided by it and draw points in data units. None: as they
            are.
        train_steps: generator steps of the whole run, which a linear decay spans.
        latent_dim: 100 for images, 2 for points when None.
        components, c, sigma: the mixture prior (`mixture_prior`); one component is N(0, I).
        network: "mlp" (the course template's pair, or the 2→100→2 pair for points),
            "dcgan" (images), "mlp-3x128" (3×128 ReLU, points) or "deep" (3×512, points);
            None: mlp for images, mlp-3x128 for points.
        lr, beta1: Adam of both players (β2 is 0.999 for images, 0.9 for points).
        d_lr, d_beta1: the discriminator's own Adam rate and β1 (a two time-scale update
            rule); None: `lr` and `beta1`.
        lr_decay: "linear" lowers both rates to 0 over `train_steps`, "none" keeps them;
            None: linear for points (when `train_steps` is given), none for images.
        lr_floor: a linear decay ends at this fraction of each rate instead of 0.
        ema_decay: keep an exponential moving average of the generator's weights with this
            decay (e.g. 0.999), which generate and evaluate then sample; None keeps none.
        pac: the discriminator scores this many samples jointly (PacGAN, `PackSamples`),
            which penalises a generator that draws some modes too often; 1 scores each
            sample alone. The batch size must be a multiple of it.
        steps_per_execution: training steps per call of the compiled train function
            (`keras.Model.compile`); more steps per call leave less per-step work to Python
            and the callbacks, and train the same.
        seed: seed of the prior's means and of training-time sampling.
    """
    from keras_gmgan.models import GAN

    latent_dim = latent_dim or default_latent_dim(data_shape)
    generator, discriminator = networks_for(
        data_shape,
        latent_dim,
        resolve("network", network, data_shape),
        data_scale=data_scale,
        pac=pac,
    )
    prior = mixture_prior(latent_dim, components, c, sigma, seed)
    model = GAN(generator, discriminator, latent=prior, seed=seed, ema_decay=ema_decay)
    _compile(model, data_shape, TEMPLATE_ADAM, lr, beta1, lr_decay, train_steps,
             steps_per_execution=steps_per_execution, d_lr=d_lr, d_beta1=d_beta1,
             lr_floor=lr_floor)  # fmt: skip
    return model


def _compile(model, data_shape, image_adam, lr, beta1, lr_decay, train_steps, d_steps=1,
             steps_per_execution=1, d_lr=None, d_beta1=None, lr_floor=0.0):  # fmt: skip
    """Compiles `model` with `adam_pair`: the options given, else `image_adam` (lr, β1, β2)
    for images and `POINT_DEFAULTS` for points; the discriminator's own `d_lr` and
    `d_beta1` where given. Raises ValueError for an `lr_floor` without a decay to end."""
    if is_points(data_shape):
        image_adam = (POINT_DEFAULTS["lr"], POINT_DEFAULTS["beta1"], POINT_DEFAULTS["beta2"])
    default_lr, default_beta1, beta2 = image_adam
    decay_steps = _decay_steps(_lr_decay(lr_decay, data_shape, train_steps), train_steps)
    if not 0 <= lr_floor < 1:
        raise ValueError(f"lr_floor is a fraction of the rate in [0, 1); got {lr_floor!r}.")
    if lr_floor and decay_steps is None:
        raise ValueError(
            f"lr_floor={lr_floor:g} is where a linear decay ends, and this model's rates do not "
            "decay; pass lr_decay='linear' (--lr-decay linear) or drop lr_floor."
        )
    model.compile(**adam_pair(lr or default_lr, default_beta1 if beta1 is None else beta1,
                              beta2, decay_steps=decay_steps, d_steps=d_steps, d_lr=d_lr,
                              d_beta1=d_beta1, lr_floor=lr_floor),
                  steps_per_execution=steps_per_execution)  # fmt: skip


def wgan(
    data_shape: Sequence[int],
    data_scale: Optional[float] = None,
    train_steps: Optional[int] = None,
    *,
    latent_dim: Optional[int] = None,
    components: int = 1,
    c: Optional[float] = None,
    sigma: Optional[float] = None,
    network: Optional[str] = None,
    lipschitz: str = "gp",
    n_critic: int = 5,
    clip_value: Optional[float] = None,
    gp_weight: Optional[float] = None,
    lr: Optional[float] = None,
    beta1: Optional[float] = None,
    d_lr: Optional[float] = None,
    d_beta1: Optional[float] = None,
    lr_decay: Optional[str] = None,
    lr_floor: float = 0.0,
    ema_decay: Optional[float] = None,
    steps_per_execution: int = 1,
    seed: Optional[int] = None,
):
    """A Wasserstein GAN, compiled with Adam(lr, β=(beta1, 0.9)).

    Each `fit` batch is split between the `n_critic` critic steps. Options left as None
    take the defaults of the data: for images Adam(1e-4, β1=0) at a constant rate
    (Gulrajani et al.), clip value 0.01, gradient-penalty weight 10; for 2-D points the 2-D
    benchmark's (`POINT_DEFAULTS`): Adam(1e-3, β1=0.5) decayed linearly to 0, clip value
    0.1, penalty weight 0.1 on standardised points (0.1 × `data_scale` here, `_gp_weight`),
    trained with batches of `n_critic` × 64 points.

    Args:
        lipschitz: the critic's constraint: "clip" (weights clipped to ±`clip_value`),
            "spectral" (spectral normalisation, 2-D networks) or "gp" (gradient penalty of
            weight `gp_weight`).
        n_critic: critic steps per generator step.
        Others: as `gan`.
    """
    from keras_gmgan.models import WGAN

    latent_dim = latent_dim or default_latent_dim(data_shape)
    generator, discriminator = networks_for(
        data_shape,
        latent_dim,
        resolve("network", network, data_shape),
        spectral_norm=lipschitz == "spectral",
        data_scale=data_scale,
        critic=True,
    )
    model = WGAN(
        generator,
        discriminator,
        latent=mixture_prior(latent_dim, components, c, sigma, seed),
        lipschitz=lipschitz,
        n_critic=n_critic,
        clip_value=resolve("clip_value", clip_value, data_shape),
        gp_weight=_gp_weight(gp_weight, data_shape, data_scale),
        seed=seed,
        ema_decay=ema_decay,
    )
    _compile(model, data_shape, WGAN_GP_ADAM, lr, beta1, lr_decay, train_steps, n_critic,
             steps_per_execution, d_lr=d_lr, d_beta1=d_beta1, lr_floor=lr_floor)  # fmt: skip
    return model


def gmgan(
    data_shape: Sequence[int],
    data_scale: Optional[float] = None,
    train_steps: Optional[int] = None,
    *,
    latent_dim: Optional[int] = None,
    components: int = 10,
    c: Optional[float] = None,
    sigma: Optional[float] = None,
    network: Optional[str] = None,
    loss: Optional[str] = None,
    gp_weight: Optional[float] = None,
    n_critic: Optional[int] = None,
    lr: Optional[float] = None,
    beta1: Optional[float] = None,
    d_lr: Optional[float] = None,
    d_beta1: Optional[float] = None,
    lr_decay: Optional[str] = None,
    lr_floor: Optional[float] = None,
    init_from: Union[str, Path, None] = None,
    ema_decay: Optional[float] = None,
    info_weight: float = 0.0,
    pac: Optional[int] = None,
    steps_per_execution: int = 1,
    seed: Optional[int] = None,
):
    """The static GM-GAN (Ben-Yosef & Weinshall, 2018), compiled.

    The image defaults: K = 10 components, means drawn from U[-3, 3]^100 with σ = 1.4
    (`IMAGE_PRIOR`: separated components; pass c=0.467, sigma=0.7 for the seed projects'
    prior), the course template's MLPs, Adam(3e-4, β1=0.5) (`STATIC_GMGAN_ADAM`) for the
    generator, a discriminator that scores pairs of samples at Adam 1e-4
    (`STATIC_GMGAN_PAC`, `STATIC_GMGAN_D_LR`), and a moving average of the generator that it
    samples (`STATIC_GMGAN_EMA_DECAY`). On 2-D
    points, options left as None take the 2-D benchmark's settings as `gan` and `wgan` do
    (`POINT_DEFAULTS`; a wgan-gp critic's batch is split between its steps), the wgan-gp
    loss, the prior `POINT_PRIOR`, the critic `POINT_GMGAN_CRITIC` and rates that decay to
    `POINT_GMGAN_LR_FLOOR` of their start: the setting that, with one component per mode,
    reaches every mode of the ring and the grid with no bridges.

    Args:
        latent_dim: 100 for images, 8 for points when None.
        c, sigma: the prior's means are drawn from U[-c, c]^d, its σ; None: `IMAGE_PRIOR`
            (3 and 1.4) for images, `POINT_PRIOR` for points.
        loss: "bce" (non-saturating) or "wgan-gp" (a critic with gradient penalty of weight
            `gp_weight` and `n_critic` critic steps per generator step; when None 10 and 5
            for images, and for points `POINT_GMGAN_CRITIC`'s 0.01 on standardised points
            (0.01 × `data_scale`, `_gp_weight`) and 10 (`gmgan_dynamic`: 0.1 and 5, as
            `wgan`)); None: bce for images, wgan-gp for points.
        lr, beta1: Adam of both players; None takes the loss's for images: 3e-4 and 0.5 for
            bce (2e-4 for `gmgan_dynamic`), 1e-4 and 0 for wgan-gp (Gulrajani et al.);
            1e-3 and 0.5 for points.
        d_lr, d_beta1: as `gan`; None: `STATIC_GMGAN_D_LR` (1e-4) for `gmgan` on images with
            the bce loss when `lr` is not given, else `lr` and `beta1`.
        lr_floor: as `gan`; None: `POINT_GMGAN_LR_FLOOR` (0.1) for `gmgan` on points with
            the wgan-gp loss and a linear decay, else 0.
        init_from: a vanilla GAN run directory or `.keras` file whose networks are copied in
            (the seeds fine-tuned a trained GAN).
        ema_decay: as `gan`; None keeps one with decay `STATIC_GMGAN_EMA_DECAY` (0.999),
            which `generate` and `evaluate` sample (`gmgan` only; `gmgan_dynamic` keeps none).
        info_weight: > 0 gives the discriminator a head of K component logits, and both
            players recover each fake's component with this weight (InfoGAN's λ; `GAN`), so
            components become clusters; 0 trains without it. A warm start (`init_from`) then
            copies the generator only.
        pac: as `gan` (the BCE loss only: a gradient penalty needs one score per sample);
            None: `static_gmgan_packing`, 2 for `gmgan` on images with the bce loss, trained
            from scratch without a component head, else 1 (`gmgan_dynamic`: 1).
        Others: as `gan`.
    """
    return _gmgan("static", **locals())


def gmgan_dynamic(data_shape: Sequence[int], **options):
    """The dynamic GM-GAN: `gmgan`, with the mixture's means and σ learned with the
    generator. Takes `gmgan`'s arguments, with the same defaults except the image prior:
    the seed projects' c = 0.467, σ = 0.7, Adam at 2e-4 and no generator average
    (`IMAGE_PRIOR`, `STATIC_GMGAN_ADAM` and `STATIC_GMGAN_EMA_DECAY` are measured for the
    static one)."""
    arguments = inspect.signature(gmgan).bind(data_shape, **options)
    arguments.apply_defaults()
    return _gmgan("dynamic", **arguments.arguments)


gmgan_dynamic.__signature__ = inspect.signature(gmgan)


def gmgan_supervised(
    data_shape: Sequence[int],
    num_classes: int,
    *,
    latent_dim: Optional[int] = None,
    components: Optional[int] = None,
    c: float = SUPERVISED_PRIOR["c"],
    sigma: float = SUPERVISED_PRIOR["sigma"],
    network: str = "mlp",
    lr: float = 8e-5,
    beta1: float = 0.5,
    d_lr: Optional[float] = None,
    d_beta1: Optional[float] = None,
    init_from: Union[str, Path, None] = None,
    ema_decay: Optional[float] = 0.999,
    steps_per_execution: int = 1,
    seed: Optional[int] = None,
):
    """The supervised GM-GAN: component k generates class k; a (K+1)-way discriminator.

    The seeds' setting: means drawn from U[-3, 3]^d, a learned σ per dimension starting at
    1.4, Adam(8e-5, β1=0.5). Train it with `fit(x, y)`.

    It samples with a moving average of the generator's weights (`ema_decay` 0.999): the
    trained weights keep handing a component's samples from its digit to a neighbouring one
    and back, epoch after epoch, each time the discriminator's class head is fooled by images
    it has never been taught to classify; the average holds every component on its digit.

    Args:
        num_classes: K, which is also the number of mixture components.
        components: K again, or None (accepted so that an explicit K can be checked).
        init_from: a vanilla GAN run or `.keras` file whose generator is copied in.
        Others: as `gmgan`.
    """
    if components not in (None, num_classes):
        raise ValueError(
            f"The supervised GM-GAN has one component per class: components must be "
            f"{num_classes} (or None); got {components}."
        )
    return _gmgan("supervised", data_shape, latent_dim=latent_dim, components=num_classes, c=c,
                  sigma=sigma, network=network, lr=lr, beta1=beta1, d_lr=d_lr,
                  d_beta1=d_beta1, init_from=init_from, ema_decay=ema_decay,
                  steps_per_execution=steps_per_execution, seed=seed)  # fmt: skip


def _gmgan(variant, data_shape, data_scale=None, train_steps=None, *, latent_dim, components,
           c, sigma, network, lr, beta1, init_from, seed, d_lr=None, d_beta1=None, loss=None,
           gp_weight=None, n_critic=None, lr_decay=None, lr_floor=None, ema_decay=None,
           info_weight=0.0, pac=None, steps_per_execution=1):  # fmt: skip
    """A GM-GAN of `variant` on the networks `networks_for` names, with the variant's prior
    (`GMGAN_IMAGE_PRIORS` for images, `POINT_PRIOR` for points), compiled with the recipe's
    Adam, warm-started if asked."""
    from keras_gmgan.models import GMGAN, SupervisedGMGAN

    points = is_points(data_shape)
    if points and variant == "supervised":
        raise ValueError(
            "--model gmgan-supervised needs labelled image data; use gmgan, gan or wgan "
            "(with --components) for 2-D points."
        )
    latent_dim = latent_dim or (POINT_PRIOR["latent_dim"] if points else 100)
    network = resolve("network", network, data_shape)
    loss = resolve("loss", loss, data_shape) if variant != "supervised" else "bce"
    critic = POINT_GMGAN_CRITIC if points and variant == "static" and loss == "wgan-gp" else {}
    gp_weight = _gp_weight(gp_weight, data_shape, data_scale, critic.get("gp_weight"))
    n_critic = n_critic or critic.get("n_critic")
    if lr_floor is None:
        decays = _lr_decay(lr_decay, data_shape, train_steps) == "linear"
        lr_floor = POINT_GMGAN_LR_FLOOR if critic and decays else 0.0
    if variant == "static" and ema_decay is None:
        ema_decay = STATIC_GMGAN_EMA_DECAY
    if pac is None:
        pac = (
            static_gmgan_packing(points, loss, info_weight, init_from) if variant == "static" else 1
        )
    if variant == "static" and not points and loss == "bce" and lr is None and d_lr is None:
        d_lr = STATIC_GMGAN_D_LR
    prior = POINT_PRIOR if points else GMGAN_IMAGE_PRIORS[variant]
    latent = mixture_prior(latent_dim, components, prior["c"] if c is None else c,
                           prior["sigma"] if sigma is None else sigma, seed,
                           learned=variant != "static",
                           per_dimension_sigma=variant == "supervised")  # fmt: skip
    classes = variant == "supervised" or info_weight
    generator, discriminator = networks_for(data_shape, latent_dim, network,
                                            num_outputs=1 + components if classes else 1,
                                            data_scale=data_scale, critic=loss == "wgan-gp",
                                            pac=pac)  # fmt: skip
    if variant == "supervised":
        model = SupervisedGMGAN(generator, discriminator, latent, seed=seed, ema_decay=ema_decay)
    else:
        model = GMGAN(generator, discriminator, latent, seed=seed, loss=loss,
                      gp_weight=gp_weight, n_critic=n_critic, ema_decay=ema_decay,
                      critic_batches="split" if points and loss == "wgan-gp" else "repeat",
                      info_weight=info_weight)  # fmt: skip
    image_adam = WGAN_GP_ADAM if loss == "wgan-gp" else GMGAN_IMAGE_ADAM[variant]
    d_steps = getattr(model, "n_critic", 1)
    _compile(model, data_shape, image_adam, lr, beta1, lr_decay, train_steps, d_steps,
             steps_per_execution, d_lr=d_lr, d_beta1=d_beta1, lr_floor=lr_floor)  # fmt: skip
    if init_from is not None:
        warm_start(model, init_from, variant, generator_only=bool(info_weight))
    return model


def warm_start(model, source: Union[str, Path], variant: str, generator_only: bool = False) -> None:
    """Copies a trained vanilla GAN's networks (a run directory or `.keras` file) into
    `model`; only the generator for the supervised variant, whose discriminator has K+1
    outputs, or when asked (a discriminator with a component head)."""
    from keras_gmgan.models import GAN, warm_start_from
    from keras_gmgan.runs import load_model

    trained = load_model(source)
    if type(trained) is not GAN:
        raise ValueError(
            f"--init-from needs a vanilla GAN run; {source} holds a {type(trained).__name__}."
        )
    whole = variant != "supervised" and not generator_only
    parts = ("generator", "discriminator") if whole else ("generator",)
    warm_start_from(model, trained, parts=parts)

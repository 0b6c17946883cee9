"""Recipes: the seed projects' models, built and compiled with their defaults in one call.

One function per `keras-gmgan fit --model` choice, each returning a compiled model:

    model = keras_gmgan.recipes.gmgan((28, 28, 1))          # the static GM-GAN, K = 10
    model.fit(images, epochs=20)

Every keyword argument of a recipe is the `fit` option of the same name, with the default
the command line uses: `RECIPES` reads which options apply to which model, and their
defaults, from the functions' signatures, and `fit --help` is written from it. Positional
parameters (`data_shape`, `num_classes`, ...) come from the data set.

This package imports no Keras until a recipe is called, so the command line's `--help`
stays instant and `KERAS_BACKEND` can still be chosen.
"""

import inspect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from keras_gmgan.recipes.adversarial import (
    GMGAN_IMAGE_ADAM,
    IMAGE_PRIOR,
    POINT_DEFAULTS,
    POINT_GMGAN_CRITIC,
    POINT_GMGAN_LR_FLOOR,
    POINT_PRIOR,
    STATIC_GMGAN_D_LR,
    STATIC_GMGAN_PAC,
    WGAN_GP_ADAM,
    default_for,
    points_batch_size,
    static_gmgan_packing,
)
from keras_gmgan.recipes.adversarial import default_latent_dim as default_latent_dim
from keras_gmgan.recipes.adversarial import gan as gan
from keras_gmgan.recipes.adversarial import gmgan as gmgan
from keras_gmgan.recipes.adversarial import gmgan_dynamic as gmgan_dynamic
from keras_gmgan.recipes.adversarial import gmgan_supervised as gmgan_supervised
from keras_gmgan.recipes.adversarial import wgan as wgan
from keras_gmgan.recipes.semi_supervised import cnn_baseline as cnn_baseline
from keras_gmgan.recipes.semi_supervised import sgan as sgan

#: Settings of the training run rather than of the model; every model takes them.
TRAINING_OPTIONS = frozenset(
    {
        "model", "dataset", "data", "epochs", "steps_per_epoch", "batch_size", "seed", "out",
        "overwrite", "verbose", "distribute", "resume", "eval_every", "eval_samples", "mlflow",
        "jit_compile",
    }
)  # fmt: skip
#: Options that shape the latent prior.
LATENT_OPTIONS = ("latent_dim", "components", "c", "sigma")


def _image_inputs(options: dict, data) -> dict:
    return {"data_shape": data.data_shape}


def _generator_inputs(options: dict, data) -> dict:
    """The data arguments of `gan`, `wgan` and the unsupervised GM-GANs: the shape, the
    steps of the run (for a linear decay) and, for 2-D points, their std (the networks
    work on standardised points)."""
    from keras_gmgan.datasets.batches import one_pass_steps

    steps_per_epoch = options["steps_per_epoch"] or one_pass_steps(
        len(data.x_train), options["batch_size"]
    )
    inputs = {"data_shape": data.data_shape, "train_steps": options["epochs"] * steps_per_epoch}
    if not data.is_image:
        inputs["data_scale"] = float(data.x_train.std()) or 1.0  # 1: constant points
    return inputs


def _critic_batch(options: dict) -> int:
    return points_batch_size(True, options.get("n_critic"))


def _gmgan_batch(options: dict) -> int:
    loss = options.get("loss") or default_for("loss", points=True)
    return points_batch_size(loss == "wgan-gp", options.get("n_critic"))


def _static_gmgan_batch(options: dict) -> int:
    """`_gmgan_batch` with the static GM-GAN's 2-D critic steps (`POINT_GMGAN_CRITIC`)."""
    return _gmgan_batch({**options, "n_critic": options.get("n_critic")
                         or POINT_GMGAN_CRITIC["n_critic"]})  # fmt: skip


def _supervised_inputs(options: dict, data) -> dict:
    if options.get("components") not in (None, data.num_classes):
        raise ValueError(
            f"--model gmgan-supervised has one component per class: --components must be "
            f"{data.num_classes} for {data.name} (or left out)."
        )
    return {"data_shape": data.data_shape, "num_classes": data.num_classes}


def _semi_supervised(name: str) -> Callable:
    def hook(*args):
        from keras_gmgan.recipes import semi_supervised

        return getattr(semi_supervised, name)(*args)

    return hook


@dataclass(frozen=True)
class Recipe:
    """A `keras-gmgan fit --model` choice: its recipe function and how a run trains it.

    Attributes:
        function: the recipe; its keyword-only parameters are the options it takes.
        summary: one line for `--help`.
        inputs: `inputs(options, data) -> dict`, the recipe's positional arguments from the
            data set (raising ValueError when the data does not suit the model).
        run_options: options the run reads besides the recipe's (batches, evaluation, GIF).
        batch_size: the default `--batch-size` (of images, for a model that takes points too).
        points_batch_size: `points_batch_size(options) -> int`, the default `--batch-size`
            on 2-D points; None: `batch_size`.
        uses_labels: whether the default batches pair the images with their labels.
        batches: `batches(options, data, initial_epoch) -> keras.utils.PyDataset` replacing
            the default seeded shuffles of the training set (`Recipe.make_batches`).
        evaluate: `evaluate(model, options, data, out) -> dict` after training, merged into
            results.json; it may write files into the run directory `out`.
        generative: whether the model generates (a sample grid is saved each epoch).
        requires: {option: (other option, its settings that use it)}.
        notes: how a default of None is resolved, for `--help`.
    """

    function: Callable
    summary: str
    inputs: Callable[[dict, Any], dict] = _image_inputs
    run_options: tuple = ()
    batch_size: int = 64
    points_batch_size: Optional[Callable[[dict], int]] = None
    uses_labels: bool = False
    batches: Optional[Callable] = None
    evaluate: Optional[Callable[[Any, dict, Any, Path], dict]] = None
    generative: bool = True
    requires: dict = field(default_factory=dict)
    notes: dict = field(default_factory=dict)

    @property
    def parameters(self) -> dict:
        """{option: default} of the recipe's keyword-only parameters."""
        return {
            name: parameter.default
            for name, parameter in inspect.signature(self.function).parameters.items()
            if parameter.kind is inspect.Parameter.KEYWORD_ONLY
        }

    @property
    def options(self) -> frozenset:
        """Every option a run of this model reads; others are refused."""
        return TRAINING_OPTIONS | set(self.parameters) | set(self.run_options)

    def default_batch_size(self, options: dict, points: bool) -> int:
        """The `--batch-size` of a run that sets none, on points or on images."""
        if points and self.points_batch_size is not None:
            return self.points_batch_size(options)
        return self.batch_size

    def with_defaults(self, options: dict, points: bool) -> dict:
        """`options` with this model's `network` and `batch_size` where they are None: the
        options every model takes, which a run records resolved (config.json)."""
        network = (
            options.get("network")
            or self.parameters.get("network")
            or (POINT_DEFAULTS["network"] if points else "mlp")
        )
        batch_size = options.get("batch_size") or self.default_batch_size(options, points)
        return {**options, "network": network, "batch_size": batch_size}

    def build(self, options: dict, data):
        """The compiled model: the options that are set (not None) passed by name."""
        given = {name: options[name] for name in self.parameters if options.get(name) is not None}
        return self.function(**self.inputs(options, data), **given)

    def make_batches(self, options: dict, data, initial_epoch: int = 0):
        """The batches a run trains on: the model's own, else the training images (and
        labels, for a model that uses them) in seeded shuffles. Raises ValueError when
        the sizes do not fit the data."""
        if self.batches is not None:
            return self.batches(options, data, initial_epoch)
        from keras_gmgan.datasets.batches import RepeatingBatches

        arrays = (data.x_train, data.y_train) if self.uses_labels else (data.x_train,)
        return RepeatingBatches(
            arrays,
            options["batch_size"],
            steps_per_epoch=options["steps_per_epoch"],
            seed=options["seed"],
            initial_epoch=initial_epoch,
        )


_MIXTURE_NOTES = {"c": "0 for one component, 0.5 for a mixture",
                  "sigma": "1 for one component, 0.7 for a mixture"}  # fmt: skip
_LATENT_NOTE = {"latent_dim": "100 for images, 2 for 2-D points"}
#: What None means on 2-D points (ring, grid, two_modes): the 2-D benchmark's settings.
_POINT_NOTES = {
    "network": f"mlp for images, {POINT_DEFAULTS['network']} for 2-D points",
    "lr_decay": "none for images, linear for 2-D points",
    "gp_weight": f"10 for images, {POINT_DEFAULTS['gp_weight']:g} × the std of 2-D points "
    "(their critic's score is scaled by it, so this is 0.1 on standardised points)",
}
_BCE_BATCH = f"64 for images, {points_batch_size(False)} for 2-D points"
_CRITIC_BATCH = "64 for images, --n-critic × 64 for 2-D points"
#: The discriminator's Adam settings default to the generator's.
_PLAYER_NOTES = {"d_lr": "--lr's", "d_beta1": "--beta1's"}
_GENERATOR_NOTES = {**_MIXTURE_NOTES, **_LATENT_NOTE, **_POINT_NOTES, **_PLAYER_NOTES}
_GMGAN = dict(
    run_options=("gif",),
    inputs=_generator_inputs,
    points_batch_size=_gmgan_batch,
    requires={
        "gp_weight": ("loss", ("wgan-gp",)),
        "n_critic": ("loss", ("wgan-gp",)),
        "pac": ("loss", ("bce",)),
    },
)


def _rate(value: float) -> str:
    """A learning rate as the help writes it: 3e-4."""
    return f"{value:.0e}".replace("e-0", "e-")


def _gmgan_lr_note(variant: str) -> dict:
    """`--help`'s default of --lr for a GM-GAN variant (`GMGAN_IMAGE_ADAM`)."""
    image, critic, points = (
        _rate(rate)
        for rate in (GMGAN_IMAGE_ADAM[variant][0], WGAN_GP_ADAM[0], POINT_DEFAULTS["lr"])
    )
    return {"lr": f"{image} for images ({critic} with --loss wgan-gp), {points} for 2-D points"}


_GMGAN_NOTES = {
    "beta1": "0.5 (for images 0 with --loss wgan-gp)",
    "n_critic": "5 with --loss wgan-gp",
    "batch_size": "64 for images, --n-critic × 64 for 2-D points (256 with --loss bce)",
    "latent_dim": f"100 for images, {POINT_PRIOR['latent_dim']} for 2-D points",
    "loss": "bce for images, wgan-gp for 2-D points",
    **_POINT_NOTES,
    **_PLAYER_NOTES,
}


def _prior_notes(c: float, sigma: float) -> dict:
    """`--help`'s defaults of c and σ of a GM-GAN with this image prior."""
    return {
        "c": f"{c:g} for images, {POINT_PRIOR['c']:g} for 2-D points",
        "sigma": f"{sigma:g} for images, {POINT_PRIOR['sigma']:g} for 2-D points",
    }


#: `--model` name → recipe. Adding a model = one recipe function + one entry + tests.
RECIPES: dict[str, Recipe] = {
    "gan": Recipe(
        gan,
        "vanilla GAN with the non-saturating BCE loss",
        run_options=("gif",),
        points_batch_size=lambda options: points_batch_size(False),
        inputs=_generator_inputs,
        notes={
            **_GENERATOR_NOTES,
            "lr": "2e-4 for images, 1e-3 for 2-D points",
            "beta1": "0.5",
            "batch_size": _BCE_BATCH,
        },  # fmt: skip
    ),
    "wgan": Recipe(
        wgan,
        "Wasserstein GAN (clip, spectral or gp)",
        run_options=("gif",),
        points_batch_size=_critic_batch,
        requires={"clip_value": ("lipschitz", ("clip",)), "gp_weight": ("lipschitz", ("gp",))},
        inputs=_generator_inputs,
        notes={
            **_GENERATOR_NOTES,
            "lr": "1e-4 for images, 1e-3 for 2-D points",
            "beta1": "0 for images, 0.5 for 2-D points",
            "batch_size": _CRITIC_BATCH,
            "clip_value": f"0.01 for images, {POINT_DEFAULTS['clip_value']:g} for 2-D points",
        },
    ),  # fmt: skip
    "gmgan": Recipe(
        gmgan,
        "GM-GAN, static mixture prior (K=10 by default)",
        **{**_GMGAN, "points_batch_size": _static_gmgan_batch},
        notes={
            **_GMGAN_NOTES,
            "n_critic": f"5 with --loss wgan-gp, {POINT_GMGAN_CRITIC['n_critic']} on 2-D points",
            "gp_weight": f"10 for images, {POINT_GMGAN_CRITIC['gp_weight']:g} × the std of "
            f"2-D points (their critic's score is scaled by it, so this is "
            f"{POINT_GMGAN_CRITIC['gp_weight']:g} on standardised points)",
            **_prior_notes(IMAGE_PRIOR["c"], IMAGE_PRIOR["sigma"]),
            **_gmgan_lr_note("static"),
            "lr_floor": f"0; {POINT_GMGAN_LR_FLOOR:g} for 2-D points with --loss wgan-gp",
            "d_lr": f"{_rate(STATIC_GMGAN_D_LR)} for images with --loss bce unless --lr is "
            "given, else --lr's",
            "pac": f"{STATIC_GMGAN_PAC} for images with --loss bce (1 with --info-weight or "
            "--init-from), 1 for 2-D points",
        },
    ),
    "gmgan-dynamic": Recipe(
        gmgan_dynamic,
        "GM-GAN, mixture means and σ learned with the generator",
        **_GMGAN,
        notes={
            **_GMGAN_NOTES,
            **_prior_notes(0.467, 0.7),
            **_gmgan_lr_note("dynamic"),
            "lr_floor": "0",
            "pac": "1",
        },
    ),
    "gmgan-supervised": Recipe(
        gmgan_supervised,
        "GM-GAN, one component per class, (K+1)-way discriminator",
        inputs=_supervised_inputs,
        uses_labels=True,
        notes={"components": "the number of classes", **_LATENT_NOTE, **_PLAYER_NOTES},
    ),
    "sgan": Recipe(
        sgan,
        "semi-supervised GAN: K-way (implicit fake) or (K+1)-way classifier, feature matching",
        inputs=_semi_supervised("sgan_inputs"),
        run_options=("labels", "with_baseline", "matching_batch"),
        batch_size=100,
        batches=_semi_supervised("semi_supervised_batches"),
        evaluate=_semi_supervised("evaluate_sgan"),
        notes={**_MIXTURE_NOTES, **_LATENT_NOTE},
    ),
    "cnn-baseline": Recipe(
        cnn_baseline,
        "the SGAN's classifier trained on the labelled examples alone",
        inputs=_semi_supervised("baseline_inputs"),
        run_options=("labels",),
        batches=_semi_supervised("labeled_batches"),
        evaluate=_semi_supervised("evaluate_cnn_baseline"),
        generative=False,
    ),
}


def default_pac(model: str, options: dict, points: bool) -> int:
    """The `--pac` a run of `model` with these options gets when it sets none."""
    if model != "gmgan":
        return 1
    loss = options.get("loss") or default_for("loss", points)
    return static_gmgan_packing(
        points, loss, options.get("info_weight") or 0.0, options.get("init_from")
    )


def default(option: str) -> Any:
    """The one default every recipe that takes `option` shares (for a CLI option whose
    default is shown and stored as is); a ValueError if the recipes disagree."""
    values = {
        recipe.parameters[option] for recipe in RECIPES.values() if option in recipe.parameters
    }
    if len(values) != 1:
        raise ValueError(f"The recipes do not share one default of {option}: {values}.")
    return values.pop()


def describe_defaults(option: str) -> str:
    """Each model's default of `option`, grouped: "gan and cnn-baseline: 2e-4; sgan: 1e-3"
    (for `--help`)."""
    groups: dict[str, list] = {}
    for name, recipe in RECIPES.items():
        if option == "batch_size":
            value = recipe.notes.get(option) or _show(recipe.batch_size)
        elif option in recipe.parameters:
            value = recipe.notes.get(option) or _show(recipe.parameters[option])
        else:
            continue
        groups.setdefault(value, []).append(name)
    return "; ".join(f"{_and(names)}: {value}" for value, names in groups.items())


def _show(value: Any) -> str:
    if isinstance(value, float) and 0 < abs(value) < 1e-2:
        mantissa, exponent = f"{value:.0e}".split("e")
        return f"{mantissa}e{int(exponent)}"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _and(names: list) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"

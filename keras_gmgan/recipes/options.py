"""The options of a training run, declared once: their names, types, ranges, defaults and help.

`keras-gmgan fit` turns each `RunOption` into a command-line option (in this order) and
`keras-gmgan sweep` reads from it what sort of value an option takes; a script can read
the same table (`FIT_OPTIONS["lr"].help`). Which options apply to which model, and the
defaults of model options, come from the recipes' signatures (`keras_gmgan.recipes`).

Like the rest of the package this module imports no Keras, so `--help` stays instant.
"""

from dataclasses import dataclass
from typing import Any, Collection, Optional

#: Every `--dataset` choice.
DATASET_CHOICES = ("mnist", "fashion_mnist", "digits", "ring", "grid", "two_modes")
#: The data sets of images (the others are 2-D points).
IMAGE_DATASETS = ("mnist", "fashion_mnist", "digits")
#: The data sets that `--data` (a local copy of a download) applies to.
LOCAL_DATASETS = ("mnist", "fashion_mnist")
#: Default `--eval-samples` for images: cheap enough to run during training (a few seconds).
IMAGE_EVAL_SAMPLES = 2000
#: The largest seed NumPy (and so Keras' `set_random_seed`) accepts.
SEED_MAX = 2**32 - 1

#: `--jit-compile`'s choices and the `compile(jit_compile=...)` value each stands for.
JIT_COMPILE = {"auto": "auto", "true": True, "false": False}

#: The values of `RunOption.kind`.
KINDS = ("int", "float", "choice", "flag", "path", "text")


@dataclass(frozen=True)
class RunOption:
    """One option of a training run (`--name` on the command line, `name` in config.json).

    Attributes:
        name: the Python name; the flag is `--` and the name with dashes.
        kind: one of `KINDS`; a "float" is finite within its bounds, a "path" is a file
            or folder, "text" any string.
        help: one or a few sentences for `--help`; for a `model_default` option the
            text before each model's default, which `describe_defaults` appends.
        default: the value when the option is not given.
        choices: the values of a "choice".
        minimum, maximum: bounds of an "int" or "float" (None: unbounded).
        min_open, max_open: whether a float bound itself is refused.
        model_default: the default is each model's (the recipe's): None on the command
            line and in config.json when unset, the recipe's when the model is built.
        show_default: print the default in `--help`.
        resolve_path: a "path" is stored absolute (so `--resume` and `evaluate` find it
            from anywhere).
        flag_value: the value of an option given without one (`--mlflow` alone).
    """

    name: str
    kind: str
    help: Optional[str] = None
    default: Any = None
    choices: tuple = ()
    minimum: Optional[float] = None
    maximum: Optional[float] = None
    min_open: bool = False
    max_open: bool = False
    model_default: bool = False
    show_default: bool = False
    resolve_path: bool = False
    flag_value: Any = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"RunOption {self.name}: kind {self.kind!r} is not one of {KINDS}.")

    @property
    def flag(self) -> str:
        """The command-line flag, e.g. `--steps-per-epoch`."""
        return _flag(self.name)

    def help_text(self) -> Optional[str]:
        """The `--help` text; a `model_default` option's ends with each model's default."""
        if not self.model_default:
            return self.help
        from keras_gmgan.recipes import describe_defaults

        return f"{self.help} (default: {describe_defaults(self.name)})."


_COMPONENTS_HELP = "Mixture components of the latent prior; 1 is the standard normal"


def _model_option(name: str, kind: str, help: str, **bounds) -> RunOption:
    return RunOption(name, kind, help, model_default=True, **bounds)


def _shown(name: str, kind: str, default: Any, help: Optional[str] = None, **rest) -> RunOption:
    return RunOption(name, kind, help, default=default, show_default=True, **rest)


def _declare() -> tuple:
    from keras_gmgan.recipes import RECIPES, default

    positive = dict(minimum=0, min_open=True)
    return (
        _shown(
            "model",
            "choice",
            "gan",
            "Which adversarial model to train.",
            choices=tuple(sorted(RECIPES)),
        ),
        _shown("dataset", "choice", "mnist", choices=DATASET_CHOICES),
        RunOption(
            "data",
            "path",
            "mnist, fashion_mnist: a local copy, the file or a directory "
            "holding it (else $KERAS_GMGAN_DATA, else download).",
            resolve_path=True,
        ),
        _shown("epochs", "int", 20, minimum=1),
        RunOption(
            "steps_per_epoch",
            "int",
            "Batches per epoch (default: one pass over the training set).",
            minimum=1,
        ),
        _model_option("batch_size", "int", "Examples per batch", minimum=1),
        _model_option(
            "lr",
            "float",
            "Adam learning rate of both players, or of the generator with --d-lr",
            **positive,
        ),
        _model_option(
            "beta1",
            "float",
            "Adam β1 of both players, or of the generator with --d-beta1",
            minimum=0,
            maximum=1,
            max_open=True,
        ),
        _model_option(
            "d_lr",
            "float",
            "Adam learning rate of the discriminator (critic), when it "
            "differs from the generator's (two time-scale updates)",
            **positive,
        ),
        _model_option(
            "d_beta1",
            "float",
            "Adam β1 of the discriminator (critic), when it differs from the generator's",
            minimum=0,
            maximum=1,
            max_open=True,
        ),
        _model_option("latent_dim", "int", "Latent dimension", minimum=1),
        _model_option("components", "int", _COMPONENTS_HELP, minimum=1),
        _model_option("c", "float", "Mixture means are drawn from U[-c, c]^d", minimum=0),
        _model_option(
            "sigma", "float", "Mixture σ, per dimension for gmgan-supervised", **positive
        ),
        _model_option(
            "network",
            "choice",
            "mlp: the classic MLP pair (images) or the 2→100→2 pair (2-D points); dcgan: a "
            "DCGAN-style conv pair (images); mlp-3x128, deep: 3×128 and 3×512 ReLU pairs (2-D "
            "points, which they see standardised). sgan and cnn-baseline: mlp is the "
            "Improved-GAN MLP classifier, dcgan the seed project's CNN",
            choices=("mlp", "dcgan", "mlp-3x128", "deep"),
        ),
        _shown(
            "lipschitz",
            "choice",
            default("lipschitz"),
            "WGAN critic constraint: weight clipping, spectral normalisation or gradient penalty.",
            choices=("clip", "spectral", "gp"),
        ),
        _model_option(
            "n_critic",
            "int",
            "Critic steps per generator step; WGAN splits each fit batch into this many chunks",
            minimum=1,
        ),
        _model_option("clip_value", "float", "WGAN critic weight clip", **positive),
        _model_option("gp_weight", "float", "Gradient-penalty weight", minimum=0),
        _model_option(
            "loss",
            "choice",
            "GM-GAN loss: non-saturating BCE, or a Wasserstein critic with gradient penalty",
            choices=("bce", "wgan-gp"),
        ),
        _model_option(
            "info_weight",
            "float",
            "Give the discriminator a head of K component logits and make both players "
            "recover each fake's mixture component with this weight (InfoGAN's λ), so that "
            "components become clusters; 0 trains without it",
            minimum=0,
        ),
        _model_option(
            "pac",
            "int",
            "The discriminator scores this many samples jointly (PacGAN), which penalises "
            "drawing some modes too often; 1 scores each sample alone. The batch size must "
            "be a multiple of it",
            minimum=1,
        ),
        RunOption(
            "init_from",
            "path",
            "GM-GAN warm start: copy the networks of a trained vanilla GAN run (same networks).",
        ),
        RunOption("gif", "flag", "2-D data: write training.gif (real blue, generated red)."),
        RunOption(
            "eval_every",
            "int",
            "Evaluate every N steps and at each epoch end into "
            "history.csv and results.json. 2-D data: mode metrics (taken at epoch ends "
            "anyway); mnist / fashion_mnist: FID, precision and recall with the bundled "
            "feature extractor (not available for digits).",
            minimum=1,
        ),
        RunOption(
            "eval_samples",
            "int",
            f"Samples per evaluation (default {IMAGE_EVAL_SAMPLES} "
            f"generated vs {IMAGE_EVAL_SAMPLES} test images; 2500 points, the published "
            "protocol, for 2-D data).",
            minimum=10,
        ),
        _shown(
            "labels",
            "int",
            100,
            "sgan, cnn-baseline: labelled training examples, balanced over the classes.",
            minimum=1,
        ),
        RunOption(
            "with_baseline",
            "flag",
            "sgan: also train the same classifier on the labelled examples alone and report it.",
        ),
        _shown(
            "fake_class",
            "choice",
            default("fake_class"),
            "sgan: a (K+1)-th fake logit, or K logits with D(x) = Z/(Z+1) (Improved GAN).",
            choices=("explicit", "implicit"),
        ),
        RunOption(
            "ema_decay",
            "float",
            "Keep an exponential moving average of a player's weights "
            "with this decay (e.g. 0.999; default: 0.999 for gmgan and gmgan-supervised, "
            "none otherwise). sgan: of the discriminator's, to classify with "
            "(Improved GAN's MNIST script: 0.9999, level with 0.999 in a 300-epoch MNIST "
            "run, BENCHMARKS.md). gan, wgan and the gmgan models: of the generator's, which "
            "generate and evaluate then sample (unless --raw-weights).",
            minimum=0,
            maximum=1,
            min_open=True,
            max_open=True,
        ),
        _shown(
            "entropy_weight",
            "float",
            default("entropy_weight"),
            "sgan: add this weight × the entropy of the class posterior of the unlabelled "
            "batch to the discriminator's loss (entropy minimisation, as in Bad GAN); 0 is "
            "Improved GAN's recipe.",
            minimum=0,
        ),
        _shown(
            "matching_batch",
            "choice",
            "shared",
            "sgan: the real features the generator matches come from the discriminator's "
            "unlabelled batch (shared) or from a second unlabelled batch drawn from its own "
            "shuffles (separate, as Improved GAN's MNIST script does).",
            choices=("shared", "separate"),
        ),
        _model_option(
            "lr_decay",
            "choice",
            "none keeps both learning rates constant; linear lowers them to 0 (or to "
            "--lr-floor of them) over the run "
            "(epochs × steps per epoch; sgan: after --lr-hold of it at the full rate, the "
            "schedule of the 30-minute benchmark; in a 10-epoch MNIST run constant did "
            "better, BENCHMARKS.md)",
            choices=("linear", "none"),
        ),
        _model_option(
            "lr_floor",
            "float",
            "With --lr-decay linear: the fraction of each learning rate the decay ends at, "
            "instead of 0",
            minimum=0,
            maximum=1,
            max_open=True,
        ),
        _shown(
            "lr_hold",
            "float",
            default("lr_hold"),
            "sgan, with --lr-decay linear: the share of the run at the full rate before the "
            "decay starts (Improved GAN on CIFAR-10: 0.67, its MNIST script never decays; the "
            "30-minute benchmark: 0.5).",
            minimum=0,
            maximum=1,
            max_open=True,
        ),
        RunOption(
            "mlflow",
            "text",
            "Log options, per-epoch metrics, sample grids and the model to "
            "MLflow: to a local store in ./mlruns, or to the tracking URI given. Needs "
            "keras-gmgan[mlflow].",
            flag_value="./mlruns",
        ),
        _shown(
            "steps_per_execution",
            "int",
            default("steps_per_execution"),
            "Training steps per call of the compiled train function (Keras' compile option): "
            "the progress bar and callbacks run once per call, the training is the same; "
            "--eval-every then evaluates at the end of the call that reaches each multiple.",
            minimum=1,
        ),
        _shown(
            "jit_compile",
            "choice",
            "auto",
            "Compile the training step (Keras' compile option): auto compiles it with XLA "
            "under JAX and TensorFlow (on a CPU too) and leaves it eager under torch; true "
            "also compiles it with torch.compile under torch (a minute or two at the start); "
            "false runs it uncompiled, to debug.",
            choices=tuple(JIT_COMPILE),
        ),
        _shown("seed", "int", 0, minimum=0, maximum=SEED_MAX),
        RunOption("out", "path", "Run directory (default runs/<model>-<timestamp>)."),
        RunOption("overwrite", "flag", "Replace an existing run directory."),
        _shown(
            "verbose",
            "int",
            1,
            "Keras progress output: 0 silent, 1 progress bar, 2 one line per epoch.",
            minimum=0,
            maximum=2,
        ),
        _shown(
            "distribute",
            "choice",
            "none",
            "data-parallel: split each batch over all visible devices (JAX, TensorFlow), or "
            "over the processes of torchrun --nproc-per-node N (PyTorch); README.md.",
            choices=("none", "data-parallel"),
        ),
        RunOption(
            "resume",
            "path",
            "Continue an interrupted run directory from its last "
            "epoch checkpoint, with its own config.json.",
        ),
    )


#: `fit`'s options by name, in `--help` order.
FIT_OPTIONS: dict[str, RunOption] = {option.name: option for option in _declare()}


def check_model_options(model: str, options: dict, given: Collection[str]) -> None:
    """Raises ValueError naming the first option in `given` (those set explicitly; `options`
    maps option names to values, with `dataset` among them) that `--model model`, the data
    set or another setting does not use, so that nothing asked for is silently ignored."""
    from keras_gmgan.recipes import LATENT_OPTIONS, RECIPES, default_for, default_pac

    recipe = RECIPES[model]
    unknown = sorted(set(given) - set(FIT_OPTIONS))
    if unknown:
        raise ValueError(f"{_flag(unknown[0])} is not an option of fit.")
    for name in FIT_OPTIONS:  # in `--help` order, so that the first one wrong is named
        latent_without_generator = name in LATENT_OPTIONS and not recipe.generative
        if name not in given or (name in recipe.options and not latent_without_generator):
            continue
        reason = " (it generates nothing)" if latent_without_generator else ""
        raise ValueError(f"{_flag(name)} does not apply to --model {model}{reason}.")
    points = options["dataset"] not in IMAGE_DATASETS
    for name, (other, settings) in recipe.requires.items():
        setting = options.get(other) or default_for(other, points)
        if name in given and setting not in settings:
            raise ValueError(
                f"{_flag(name)} applies to {_flag(other)} {' or '.join(settings)} only; "
                f"this run has {_flag(other)} {setting}. Drop {_flag(name)}."
            )
    pac = options.get("pac") or default_pac(model, options, points)
    batch_size = options.get("batch_size") or recipe.default_batch_size(options, points)
    if pac > 1 and batch_size % pac:
        raise ValueError(
            f"--pac {pac} scores {pac} samples jointly, so each batch must be a multiple of "
            f"{pac}; this run's batch size is {batch_size}. Change --batch-size or --pac."
        )
    decay = options.get("lr_decay") or default_for("lr_decay", points)
    if options.get("lr_floor") and decay != "linear":
        raise ValueError(
            "--lr-floor sets where --lr-decay linear ends; this run's rates do not decay. "
            "Add --lr-decay linear or drop --lr-floor."
        )
    if "lr_hold" in given and options.get("lr_decay") != "linear":
        raise ValueError(
            "--lr-hold sets how long the rate stays before --lr-decay linear lowers it; "
            "add --lr-decay linear."
        )
    dataset = options["dataset"]
    if "gif" in given and dataset in IMAGE_DATASETS:
        raise ValueError(
            f"--gif animates 2-D points (ring, grid, two_modes); --dataset {dataset} is "
            "images, whose run directory holds a sample grid per epoch instead. Drop --gif."
        )
    if "data" in given and dataset not in LOCAL_DATASETS:
        raise ValueError(
            f"--data points at a local copy of {' or '.join(LOCAL_DATASETS)}; --dataset "
            f"{dataset} needs none (it ships with scikit-learn or is generated). Drop --data."
        )


def check_jit_compile(options: dict) -> None:
    """Raises ValueError for `--jit-compile true` with `--distribute data-parallel` under
    TensorFlow: XLA does not reach the variables `MirroredStrategy` mirrors on the other
    devices (Keras' "auto" leaves XLA off there)."""
    import keras

    if (
        options.get("jit_compile") == "true"
        and options.get("distribute") == "data-parallel"
        and keras.backend.backend() == "tensorflow"
    ):
        raise ValueError(
            "--jit-compile true does not train data-parallel under TensorFlow (XLA cannot "
            "reach the variables mirrored on the other devices); use --jit-compile auto."
        )


def check_eval_options(options: dict) -> None:
    """Raises ValueError when `--eval-every` or `--eval-samples` cannot work: evaluations
    need a model that generates and, on images, a bundled feature extractor; the sample
    count needs evaluations to size."""
    from keras_gmgan.metrics.feature_extractor import BUNDLED_EXTRACTORS
    from keras_gmgan.recipes import RECIPES

    dataset, image_data = options["dataset"], options["dataset"] in IMAGE_DATASETS
    if options["eval_every"] is not None and not RECIPES[options["model"]].generative:
        raise ValueError(
            f"--eval-every scores generated samples; --model {options['model']} generates "
            "none (its results.json reports test accuracy). Drop --eval-every."
        )
    if options["eval_every"] is not None and image_data and dataset not in BUNDLED_EXTRACTORS:
        raise ValueError(
            f"--eval-every on {dataset}: FID, precision and recall need a feature extractor, "
            f"and keras-gmgan ships one for {' and '.join(sorted(BUNDLED_EXTRACTORS))} only. "
            "Drop --eval-every, or train on one of those."
        )
    if options["eval_samples"] is not None and image_data and options["eval_every"] is None:
        raise ValueError(
            "--eval-samples sets the size of --eval-every's evaluations; add --eval-every N."
        )


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")

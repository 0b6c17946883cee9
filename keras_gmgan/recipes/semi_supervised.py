"""Recipes of the semi-supervised models: `sgan` (Improved GAN) and `cnn_baseline` (its
classifier trained on the labelled examples alone), with how they are trained and scored
from a run's options: the labelled split, the batches and the test-set report.

No Keras import at module level (see `keras_gmgan.recipes`).
"""

from pathlib import Path
from typing import Optional, Sequence

#: `network` → the semi-supervised classifier: the Improved-GAN MLP or the seed project's CNN.
CLASSIFIERS = {"mlp": "mlp", "dcgan": "conv"}
#: Examples of the data-dependent initialisation of weight-normalised layers.
INIT_BATCH = 500
#: Most steps the `--with-baseline` classifier takes (it sees only the labelled examples).
BASELINE_MAX_STEPS = 2000


def classifier_network(network: str, model: str) -> str:
    """The classifier named by `network` ("mlp" or "conv")."""
    if network not in CLASSIFIERS:
        raise ValueError(
            f"--network {network} is not a classifier; --model {model} takes mlp (the "
            "Improved-GAN MLP) or dcgan (the seed project's CNN)."
        )
    return CLASSIFIERS[network]


def sgan(
    data_shape: Sequence[int],
    num_classes: int,
    x_init=None,
    train_steps: Optional[int] = None,
    *,
    latent_dim: Optional[int] = None,
    components: int = 1,
    c: Optional[float] = None,
    sigma: Optional[float] = None,
    network: str = "mlp",
    fake_class: str = "implicit",
    ema_decay: Optional[float] = None,
    entropy_weight: float = 0.0,
    lr: float = 1e-3,
    beta1: float = 0.5,
    lr_decay: str = "none",
    lr_hold: float = 0.0,
    steps_per_execution: int = 1,
    seed: Optional[int] = None,
):
    """The semi-supervised GAN of Improved GAN (Salimans et al. 2016), compiled.

    The recipe of BENCHMARKS.md: the weight-normalised MLP classifier with K logits and the
    fake class implicit, feature matching, Adam(1e-3, β1=0.5, ε=`SGAN_ADAM_EPSILON`).

    Args:
        data_shape, num_classes: the images' shape and K.
        x_init: unlabelled images for the data-dependent initialisation of the
            weight-normalised layers (the first `INIT_BATCH` are used).
        train_steps: steps of the whole run; needed by `lr_decay="linear"`.
        network: "mlp" (Improved GAN's MLP pair) or "dcgan" (the seed project's CNN).
        fake_class: "implicit" (K logits, D(x) = Z/(Z+1)) or "explicit" (a (K+1)-th logit).
        ema_decay: classify with a moving average of the weights with this decay.
        entropy_weight: weight of the unlabelled batch's class entropy (Bad GAN); 0 is
            Improved GAN's recipe.
        lr_decay, lr_hold: "linear" lowers both rates to 0 over the run after `lr_hold` of it
            at the full rate; "none" keeps them.
        Others (`steps_per_execution`, `seed`, the prior): as `keras_gmgan.recipes.gan`.
    """
    from keras_gmgan import networks
    from keras_gmgan.layers import initialize_weight_norm
    from keras_gmgan.models import SGAN, SGAN_ADAM_EPSILON
    from keras_gmgan.recipes.adversarial import adam_pair, default_latent_dim, mixture_prior

    latent_dim = latent_dim or default_latent_dim(data_shape)
    implicit = fake_class == "implicit"
    discriminator = networks.build_semi_supervised_discriminator(
        classifier_network(network, "sgan"), data_shape, num_classes + (0 if implicit else 1)
    )
    if x_init is not None:
        initialize_weight_norm(discriminator, x_init[:INIT_BATCH])
    if network == "dcgan":
        generator = networks.build_dcgan_generator(latent_dim, data_shape)
    else:
        generator = networks.build_improved_gan_generator(latent_dim, data_shape)
    model = SGAN(
        generator,
        discriminator,
        num_classes=num_classes,
        fake_class=fake_class,
        latent=mixture_prior(latent_dim, components, c, sigma, seed),
        ema_decay=ema_decay,
        entropy_weight=entropy_weight,
        seed=seed,
    )
    decay_steps, hold_steps = None, 0
    if lr_decay == "linear":
        if train_steps is None:
            raise ValueError("lr_decay='linear' needs train_steps, the steps of the whole run.")
        hold_steps = round(lr_hold * train_steps)
        decay_steps = max(1, train_steps - hold_steps)
    model.compile(**adam_pair(lr, beta1, decay_steps=decay_steps, hold_steps=hold_steps,
                              epsilon=SGAN_ADAM_EPSILON),
                  steps_per_execution=steps_per_execution)  # fmt: skip
    return model


def cnn_baseline(
    data_shape: Sequence[int],
    num_classes: int,
    x_init=None,
    *,
    network: str = "dcgan",
    lr: float = 2e-4,
    beta1: float = 0.5,
    steps_per_execution: int = 1,
):
    """The SGAN's classifier alone, compiled for plain `fit(x, y)` on the labelled examples.

    Args:
        x_init: images for the data-dependent initialisation of weight-normalised layers.
        network: "dcgan" (the seed project's CNN) or "mlp" (the Improved-GAN MLP).
        lr, beta1: its Adam.
        steps_per_execution: as `keras_gmgan.recipes.gan`.
    """
    import keras

    from keras_gmgan.models import build_supervised_baseline

    if steps_per_execution > 1 and keras.backend.backend() == "torch":
        raise ValueError(
            "Keras' torch backend trains a plain classifier one step per call; drop "
            "--steps-per-execution for --model cnn-baseline under torch."
        )
    return build_supervised_baseline(
        data_shape,
        num_classes,
        network=classifier_network(network, "cnn-baseline"),
        optimizer=keras.optimizers.Adam(lr, beta_1=beta1),
        x_init=x_init,
        steps_per_execution=steps_per_execution,
    )


# How `keras-gmgan fit` trains and scores them from a run's options and data set ------------


def labeled_split(options: dict, data):
    """The balanced labelled subset (`labels` examples, chosen by `seed`) and the rest."""
    from keras_gmgan.datasets import semi_supervised_split

    if not data.is_image or data.y_train is None or not data.num_classes:
        raise ValueError(
            f"--model {options['model']} needs a labelled image data set (mnist, "
            f"fashion_mnist or digits); {data.name} is not one."
        )
    try:
        return semi_supervised_split(data.y_train, options["labels"], seed=options["seed"])
    except ValueError as error:
        raise ValueError(f"--labels {options['labels']}: {error}") from None


def sgan_inputs(options: dict, data) -> dict:
    """`sgan`'s data arguments: shape, classes, unlabelled images, steps of the run."""
    from keras_gmgan.datasets.batches import one_pass_steps

    _, unlabeled = labeled_split(options, data)  # bad --labels fail here, before training
    steps_per_epoch = options["steps_per_epoch"] or one_pass_steps(
        len(unlabeled), options["batch_size"]
    )
    return {
        "data_shape": data.data_shape,
        "num_classes": data.num_classes,
        "x_init": data.x_train[unlabeled[:INIT_BATCH]],
        "train_steps": options["epochs"] * steps_per_epoch,
    }


def baseline_inputs(options: dict, data) -> dict:
    """`cnn_baseline`'s data arguments: initialised from the labelled examples."""
    labeled, _ = labeled_split(options, data)
    return {
        "data_shape": data.data_shape,
        "num_classes": data.num_classes,
        "x_init": data.x_train[labeled],
    }


def semi_supervised_batches(options: dict, data, initial_epoch: int = 0):
    """Each step: an unlabelled batch paired with a batch cycled from the labelled examples
    (and, with `matching_batch="separate"`, a second unlabelled batch for feature matching)."""
    from keras_gmgan.datasets import SemiSupervisedBatches

    labeled, unlabeled = labeled_split(options, data)
    return SemiSupervisedBatches(
        data.x_train[unlabeled],
        data.x_train[labeled],
        data.y_train[labeled],
        batch_size=options["batch_size"],
        steps_per_epoch=options["steps_per_epoch"],
        seed=options["seed"],
        initial_epoch=initial_epoch,
        # Runs written before --matching-batch existed have none in their config.
        matching_batch=options.get("matching_batch", "shared") == "separate",
    )


def labeled_batches(options: dict, data, initial_epoch: int = 0):
    """The baseline's batches: by default an epoch is one pass over the labelled examples."""
    from keras_gmgan.datasets.batches import RepeatingBatches

    labeled, _ = labeled_split(options, data)
    return RepeatingBatches(
        (data.x_train[labeled], data.y_train[labeled]),
        min(options["batch_size"], len(labeled)),
        steps_per_epoch=options["steps_per_epoch"],
        seed=options["seed"],
        initial_epoch=initial_epoch,
    )


def _classification_report(predicted, data, out: Path, file_name: str, title: str) -> dict:
    from keras_gmgan.classification import classification_results, plot_confusion_matrix

    results = classification_results(data.y_test, predicted, data.num_classes)
    plot_confusion_matrix(results["confusion_matrix"], out / file_name, title=title)
    return {
        "test_accuracy": results["accuracy"],
        "per_class_accuracy": results["per_class_accuracy"],
        "confusion_matrix": results["confusion_matrix"],
        "test_examples": results["num_examples"],
    }


def evaluate_cnn_baseline(model, options: dict, data, out: Path) -> dict:
    """Test accuracy, per class, and the confusion matrix (confusion_matrix.png)."""
    from keras_gmgan.models.supervised_baseline import predict_classes

    labeled, _ = labeled_split(options, data)
    title = f"{options['model']}, {len(labeled)} labels"
    report = _classification_report(
        predict_classes(model, data.x_test), data, out, "confusion_matrix.png", title
    )
    return {**report, "labeled_examples": int(len(labeled)), "unlabeled_examples": 0}


def evaluate_sgan(model, options: dict, data, out: Path) -> dict:
    """Test accuracy (EMA weights when kept), per class, confusion matrix; with
    `with_baseline`, the same for `cnn_baseline` trained as many steps on the labels alone."""
    import keras

    from keras_gmgan.models import fit_supervised_baseline
    from keras_gmgan.models.supervised_baseline import predict_classes

    labeled, unlabeled = labeled_split(options, data)
    title = f"sgan, {len(labeled)} labels"
    results = {
        **_classification_report(
            model.predict_classes(data.x_test), data, out, "confusion_matrix.png", title
        ),
        "evaluated_with_ema": bool(model.ema_variables),
        "labeled_examples": int(len(labeled)),
        "unlabeled_examples": int(len(unlabeled)),
    }
    if not options["with_baseline"]:
        return results
    keras.utils.set_random_seed(options["seed"])
    settings = {name: options[name] for name in ("lr", "beta1") if options[name] is not None}
    baseline = cnn_baseline(
        data.data_shape,
        data.num_classes,
        data.x_train[labeled],
        network=options["network"],
        **settings,
    )
    steps = min(int(keras.ops.convert_to_numpy(model.optimizer.iterations)), BASELINE_MAX_STEPS)
    fit_supervised_baseline(baseline, data.x_train[labeled], data.y_train[labeled], steps,
                            options["batch_size"], verbose=0)  # fmt: skip
    results["baseline"] = {
        **_classification_report(
            predict_classes(baseline, data.x_test),
            data,
            out,
            "confusion_matrix_baseline.png",
            f"supervised baseline, {len(labeled)} labels",
        ),
        "steps": int(keras.ops.convert_to_numpy(baseline.optimizer.iterations)),
    }
    return results

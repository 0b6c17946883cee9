"""The semi-supervised `--model` choices: `sgan` and `cnn-baseline` (builders, inputs, scores).

Like `model_specs`, this module imports no Keras at import time.
"""

from pathlib import Path

#: `--network` → the semi-supervised classifier: the Improved-GAN MLP or the seed project's CNN.
SEMI_SUPERVISED_NETWORKS = {"mlp": "mlp", "dcgan": "conv"}


#: Examples of the data-dependent initialisation of weight-normalised layers.
INIT_BATCH = 500

#: The SGAN's Adam rate when `--lr` is not given: the rate of the recipe in BENCHMARKS.md
#: (held for half the run, then decayed: 98.50 % on 100 MNIST labels after 30 minutes on 2 CPU
#: cores, three seeds).
SGAN_LEARNING_RATE = 1e-3


def labeled_split(options: dict, data):
    """The balanced labelled subset (`--labels` examples, chosen by `--seed`) and the rest."""
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


def classifier_network(options: dict) -> str:
    """The semi-supervised classifier named by `--network` ("mlp" or "conv")."""
    if options["network"] not in SEMI_SUPERVISED_NETWORKS:
        raise ValueError(
            f"--network {options['network']} is not a classifier; --model {options['model']} "
            "takes mlp (the Improved-GAN MLP) or dcgan (the seed project's CNN)."
        )
    return SEMI_SUPERVISED_NETWORKS[options["network"]]


def build_sgan(options: dict, data):
    from keras_gmgan import networks
    from keras_gmgan.cli.model_specs import adam_pair, mixture_prior
    from keras_gmgan.datasets.batches import one_pass_steps
    from keras_gmgan.layers import initialize_weight_norm
    from keras_gmgan.models import SGAN, SGAN_ADAM_EPSILON

    _, unlabeled = labeled_split(options, data)  # bad --labels fail here, before training
    k = data.num_classes
    implicit = options["fake_class"] == "implicit"
    discriminator = networks.build_semi_supervised_discriminator(
        classifier_network(options), data.data_shape, k + (0 if implicit else 1)
    )
    initialize_weight_norm(discriminator, data.x_train[unlabeled[:INIT_BATCH]])
    if options["network"] == "dcgan":
        generator = networks.build_dcgan_generator(options["latent_dim"], data.data_shape)
    else:
        generator = networks.build_improved_gan_generator(options["latent_dim"], data.data_shape)
    model = SGAN(
        generator,
        discriminator,
        num_classes=k,
        fake_class=options["fake_class"],
        latent=mixture_prior(options),
        ema_decay=options["ema_decay"],
        # Runs written before --entropy-weight existed have none in their config.
        entropy_weight=options.get("entropy_weight", 0.0),
        seed=options["seed"],
    )
    decay_steps, hold_steps = None, 0
    if options["lr_decay"] == "linear":
        steps_per_epoch = options["steps_per_epoch"] or one_pass_steps(
            len(unlabeled), options["batch_size"]
        )
        run_steps = options["epochs"] * steps_per_epoch
        # Runs written before --lr-hold existed have none in their config.
        hold_steps = round(options.get("lr_hold", 0.0) * run_steps)
        decay_steps = max(1, run_steps - hold_steps)
    model.compile(
        **adam_pair(
            options,
            lr=SGAN_LEARNING_RATE,
            decay_steps=decay_steps,
            hold_steps=hold_steps,
            epsilon=SGAN_ADAM_EPSILON,
        )
    )
    return model


def semi_supervised_batches(options: dict, data, initial_epoch: int = 0):
    """Each step: an unlabelled batch paired with a batch cycled from the labelled examples
    (and, with `--matching-batch separate`, a second unlabelled batch for feature matching)."""
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


#: Most steps the `--with-baseline` classifier takes (it sees only the labelled examples).
BASELINE_MAX_STEPS = 2000


def _baseline(options: dict, data):
    import keras

    from keras_gmgan.models import build_supervised_baseline

    labeled, _ = labeled_split(options, data)
    return build_supervised_baseline(
        data.data_shape,
        data.num_classes,
        network=classifier_network(options),
        optimizer=keras.optimizers.Adam(
            options["lr"] if options["lr"] is not None else 2e-4,
            beta_1=options["beta1"] if options["beta1"] is not None else 0.5,
        ),
        x_init=data.x_train[labeled],
    )


def build_cnn_baseline(options: dict, data):
    return _baseline(options, data)


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


def evaluate_cnn_baseline(model, options: dict, data, out: Path) -> dict:
    from keras_gmgan.models.supervised_baseline import predict_classes

    labeled, unlabeled = labeled_split(options, data)
    title = f"{options['model']}, {len(labeled)} labels"
    return {
        **_classification_report(
            predict_classes(model, data.x_test), data, out, "confusion_matrix.png", title
        ),
        "labeled_examples": int(len(labeled)),
        "unlabeled_examples": 0,
    }


def evaluate_sgan(model, options: dict, data, out: Path) -> dict:
    """Test accuracy (EMA weights when kept), per class, confusion matrix; and the baseline."""
    import keras

    from keras_gmgan.models import fit_supervised_baseline

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
    if options["with_baseline"]:
        from keras_gmgan.models.supervised_baseline import predict_classes

        keras.utils.set_random_seed(options["seed"])
        baseline = _baseline(options, data)
        steps = min(int(keras.ops.convert_to_numpy(model.optimizer.iterations)), BASELINE_MAX_STEPS)
        fit_supervised_baseline(
            baseline,
            data.x_train[labeled],
            data.y_train[labeled],
            steps,
            options["batch_size"],
            verbose=0,
        )
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

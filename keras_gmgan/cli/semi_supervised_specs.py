"""The semi-supervised `--model` choices: `sgan` and `cnn-baseline` (builders, inputs, scores).

Like `model_specs`, this module imports no Keras at import time.
"""

from pathlib import Path

#: `--network` → the semi-supervised classifier: the Improved-GAN MLP or the seed project's CNN.
SEMI_SUPERVISED_NETWORKS = {"mlp": "mlp", "dcgan": "conv"}


#: Examples of the data-dependent initialisation of weight-normalised layers.
INIT_BATCH = 500


def labeled_split(options: dict, data):
    """The balanced labelled subset (`--labels` examples, chosen by `--seed`) and the rest."""
    from keras_gmgan.datasets import semi_supervised_split

    if data.y_train is None or not data.num_classes:
        raise ValueError(
            f"--model {options['model']} needs a labelled data set; {data.name} has no classes."
        )
    try:
        return semi_supervised_split(data.y_train, options["labels"], seed=options["seed"])
    except ValueError as error:
        raise ValueError(f"--labels {options['labels']}: {error}") from None


def build_sgan(options: dict, data):
    from keras_gmgan import networks
    from keras_gmgan.cli.model_specs import adam_pair, mixture_prior
    from keras_gmgan.layers import initialize_weight_norm
    from keras_gmgan.models import SGAN

    _, unlabeled = labeled_split(options, data)  # bad --labels fail here, before training
    k = data.num_classes
    implicit = options["fake_class"] == "implicit"
    discriminator = networks.build_semi_supervised_discriminator(
        SEMI_SUPERVISED_NETWORKS[options["network"]], data.data_shape, k + (0 if implicit else 1)
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
        seed=options["seed"],
    )
    model.compile(**adam_pair(options))
    return model


def semi_supervised_batches(options: dict, data) -> dict:
    from keras_gmgan.datasets import SemiSupervisedBatches

    labeled, unlabeled = labeled_split(options, data)
    batches = SemiSupervisedBatches(
        data.x_train[unlabeled],
        data.x_train[labeled],
        data.y_train[labeled],
        batch_size=options["batch_size"],
        seed=options["seed"],
    )
    return {"x": batches, "batch_size": None}


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
        network=SEMI_SUPERVISED_NETWORKS[options["network"]],
        optimizer=keras.optimizers.Adam(options["lr"], beta_1=options["beta1"]),
        x_init=data.x_train[labeled],
    )


def build_cnn_baseline(options: dict, data):
    return _baseline(options, data)


def labeled_examples(options: dict, data) -> dict:
    """`fit` inputs of the baseline: an epoch is one pass over the labelled examples."""
    labeled, _ = labeled_split(options, data)
    return {
        "x": data.x_train[labeled],
        "y": data.y_train[labeled],
        "batch_size": min(options["batch_size"], len(labeled)),
    }


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
        inputs = labeled_examples(options, data)
        fit_supervised_baseline(
            baseline, inputs["x"], inputs["y"], steps, options["batch_size"], verbose=0
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

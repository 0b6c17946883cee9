"""The semi-supervised GAN trains with one `fit` under the active backend."""

import keras
import numpy as np
import pytest

from keras_gmgan.datasets import SemiSupervisedBatches
from keras_gmgan.models import SGAN, build_supervised_baseline, fit_supervised_baseline
from keras_gmgan.networks import (
    build_improved_gan_discriminator,
    build_improved_gan_generator,
    build_sgan_conv_discriminator,
)
from tests.conftest import to_numpy

K = 3


def _data(n=96, seed=0):
    """Three classes of 8×8 images: a bright row band at a class-specific height."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % K
    x = rng.normal(-0.8, 0.1, size=(n, 8, 8, 1)).astype("float32")
    for cls in range(K):
        x[y == cls, 2 * cls + 1 : 2 * cls + 3] = 0.8
    return x, y.astype("int32")


def _sgan(fake_class="explicit", ema_decay=0.9, network="mlp", seed=0, entropy_weight=0.0):
    outputs = K + (1 if fake_class == "explicit" else 0)
    if network == "mlp":
        discriminator = build_improved_gan_discriminator(
            (8, 8, 1), num_outputs=outputs, hidden_units=(32, 16)
        )
    else:
        discriminator = build_sgan_conv_discriminator(
            (8, 8, 1), num_outputs=outputs, filters=(4, 8), feature_units=16
        )
    model = SGAN(
        build_improved_gan_generator(8, (8, 8, 1), hidden_units=(16,)),
        discriminator,
        num_classes=K,
        fake_class=fake_class,
        ema_decay=ema_decay,
        entropy_weight=entropy_weight,
        seed=seed,
    )
    model.compile(
        d_optimizer=keras.optimizers.Adam(3e-3, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(3e-3, beta_1=0.5),
    )
    return model


def _batches(x, y, n_labeled=6):
    return SemiSupervisedBatches(
        x[n_labeled:], x[:n_labeled], y[:n_labeled], batch_size=16, labeled_batch_size=8
    )


def _weights(model):
    return [np.array(w) for w in model.get_weights()]


@pytest.fixture(scope="module")
def trained():
    """An explicit-fake SGAN with an EMA, trained 2 epochs of 5 steps, and its data."""
    keras.utils.set_random_seed(0)
    x, y = _data()
    model = _sgan()
    before = (_weights(model.generator), _weights(model.discriminator))
    history = model.fit(_batches(x, y), epochs=2, verbose=0)
    return model, history.history, before, (x, y)


def test_fit_trains_both_players_and_logs_every_loss(trained):
    model, history, (g_before, d_before), _ = trained
    assert set(history) == set(SGAN.tracked_logs)
    for values in history.values():
        assert len(values) == 2 and np.all(np.isfinite(values))
    assert 0 <= history["labeled_accuracy"][-1] <= 1
    assert any(not np.allclose(a, b) for a, b in zip(g_before, _weights(model.generator)))
    assert any(not np.allclose(a, b) for a, b in zip(d_before, _weights(model.discriminator)))
    # Both optimizers ran every step (JAX would silently skip one outside model.optimizer).
    assert int(to_numpy(model.d_optimizer.iterations)) == 10
    assert int(to_numpy(model.g_optimizer.iterations)) == 10


def test_discriminator_loss_adds_the_weighted_entropy_of_the_unlabelled_posterior(trained):
    _, history, _, _ = trained
    # Every step's d_loss is its own supervised + ½ unsupervised (+ w · entropy) terms, so the
    # epoch means obey the same sum.
    entropy = np.array(history["unlabeled_entropy"])
    assert np.all((entropy >= 0) & (entropy <= np.log(K) + 1e-6))
    expected = np.array(history["supervised_loss"]) + 0.5 * np.array(history["unsupervised_loss"])
    np.testing.assert_allclose(history["d_loss"], expected, rtol=1e-5)  # entropy_weight 0

    keras.utils.set_random_seed(0)
    x, y = _data()
    weighted = _sgan(entropy_weight=20.0)
    logs = weighted.fit(_batches(x, y), epochs=2, verbose=0).history
    expected = (
        np.array(logs["supervised_loss"])
        + 0.5 * np.array(logs["unsupervised_loss"])
        + 20.0 * np.array(logs["unlabeled_entropy"])
    )
    np.testing.assert_allclose(logs["d_loss"], expected, rtol=1e-5)
    # Minimising it leaves the classifier surer of the unlabelled examples than the same run
    # without the term (by 15-60 % under the three backends).
    assert logs["unlabeled_entropy"][-1] < 0.9 * history["unlabeled_entropy"][-1]
    assert weighted.get_config()["entropy_weight"] == 20.0


def test_the_generator_matches_the_features_of_the_matching_batch_when_given():
    x, y = _data()
    batch = _batches(x, y)[0]
    other = dict(batch, matching=x[::-1][:16])  # a different unlabelled batch

    class OneBatch(keras.utils.PyDataset):
        def __init__(self, data):
            super().__init__()
            self.data = data

        def __len__(self):
            return 1

        def __getitem__(self, index):
            return self.data

    def one_step(data):
        keras.utils.set_random_seed(0)
        model = _sgan(ema_decay=None)
        logs = model.fit(OneBatch(data), epochs=1, verbose=0).history
        logs = {name: values[0] for name, values in logs.items()}
        return logs, _weights(model.generator), _weights(model.discriminator)

    shared_logs, shared_g, shared_d = one_step(batch)
    other_logs, other_g, other_d = one_step(other)
    # Another batch changes only the generator's target: same discriminator step.
    for a, b in zip(other_d, shared_d):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    assert other_logs["d_loss"] == pytest.approx(shared_logs["d_loss"], rel=1e-5)
    assert other_logs["g_loss"] != pytest.approx(shared_logs["g_loss"], rel=1e-3)
    assert any(not np.allclose(a, b) for a, b in zip(other_g, shared_g))


def test_test_accuracy_is_a_fraction_and_the_confusion_matrix_adds_up(trained):
    model, _, _, (x, y) = trained
    results = model.evaluate_classifier(x, y)
    assert 0.0 <= results["accuracy"] <= 1.0
    matrix = np.array(results["confusion_matrix"])
    assert matrix.shape == (K, K) and matrix.sum() == len(y)
    assert np.isclose(np.trace(matrix) / len(y), results["accuracy"])


def test_predictions_use_only_the_real_class_logits(trained):
    model, _, _, (x, y) = trained
    # Make the fake logit dominate: an 11-way argmax would say "fake" everywhere.
    logits_layer = model.discriminator.get_layer("logits")
    original = to_numpy(logits_layer.bias).copy()
    bias = original.copy()
    bias[K] = 1e3
    logits_layer.bias.assign(bias)
    _, all_logits = model.discriminator(x, training=False)
    assert np.all(np.argmax(to_numpy(all_logits), axis=-1) == K)
    real_logits = model.predict_logits(x, use_ema=False)
    assert real_logits.shape == (len(x), K)
    np.testing.assert_allclose(real_logits, to_numpy(all_logits)[:, :K], rtol=1e-5, atol=1e-4)
    predicted = model.predict_classes(x, use_ema=False)
    np.testing.assert_array_equal(predicted, np.argmax(to_numpy(all_logits)[:, :K], axis=-1))
    assert predicted.max() < K
    logits_layer.bias.assign(original)


def test_ema_weights_differ_from_raw_weights_and_classify(trained):
    model, _, _, (x, _) = trained
    raw = [to_numpy(v) for v in model.discriminator.trainable_variables]
    averages = [to_numpy(v) for v in model.ema_variables]
    assert len(averages) == len(raw)
    assert any(not np.allclose(a, r) for a, r in zip(averages, raw))
    # The classifier with EMA weights is the discriminator with those weights swapped in.
    copy = keras.models.clone_model(model.discriminator)
    for variable, value in zip(copy.trainable_variables, averages):
        variable.assign(value)
    for variable, original in zip(
        copy.non_trainable_variables, model.discriminator.non_trainable_variables
    ):
        variable.assign(to_numpy(original))
    _, expected = copy(x, training=False)
    np.testing.assert_allclose(
        model.predict_logits(x), to_numpy(expected)[:, :K], rtol=1e-5, atol=1e-4
    )
    assert not np.allclose(model.predict_logits(x), model.predict_logits(x, use_ema=False))
    # The raw weights are back afterwards.
    for variable, value in zip(model.discriminator.trainable_variables, raw):
        np.testing.assert_array_equal(to_numpy(variable), value)


def test_save_and_load_round_trip(trained, tmp_path):
    model, _, _, (x, y) = trained
    path = tmp_path / "sgan.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded, SGAN)
    config = loaded.get_config()
    assert (config["num_classes"], config["fake_class"], config["ema_decay"]) == (
        K,
        "explicit",
        0.9,
    )
    for use_ema in (True, False):
        np.testing.assert_allclose(
            loaded.predict_logits(x, use_ema=use_ema),
            model.predict_logits(x, use_ema=use_ema),
            rtol=1e-5,
            atol=1e-5,
        )
    np.testing.assert_allclose(loaded.generate(4, seed=1), model.generate(4, seed=1), atol=1e-5)
    for a, b in zip(model.d_optimizer.variables, loaded.d_optimizer.variables):
        np.testing.assert_allclose(to_numpy(a), to_numpy(b))


def test_a_reloaded_model_trains_on_exactly_as_the_original(tmp_path):
    # The discriminator's GaussianNoise layers draw from seed generators of their own; the
    # .keras file carries their states, so `fit --resume` repeats an uninterrupted run.
    x, y = _data(48)
    model = _sgan()
    model.fit(_batches(x, y), epochs=1, verbose=0, shuffle=False)
    model.save(tmp_path / "sgan.keras")
    loaded = keras.models.load_model(tmp_path / "sgan.keras")
    for each in (model, loaded):
        each.fit(_batches(x, y), epochs=1, verbose=0, shuffle=False)
    assert len(loaded.weights) == len(model.weights)
    for original, reloaded in zip(model.weights, loaded.weights):
        np.testing.assert_allclose(to_numpy(reloaded), to_numpy(original), rtol=0, atol=1e-6)


def test_implicit_fake_class_trains_without_ema():
    x, y = _data(48)
    model = _sgan("implicit", ema_decay=None, network="conv")
    history = model.fit(_batches(x, y), epochs=1, verbose=0).history
    assert np.isfinite(history["d_loss"][0]) and 0 < history["d_real"][0] < 1
    assert model.predict_logits(x[:5]).shape == (5, K)
    with pytest.raises(ValueError, match="ema_decay"):
        model.predict_classes(x[:5], use_ema=True)


def test_bad_discriminators_and_inputs_raise_clear_errors():
    x, y = _data(48)
    generator = build_improved_gan_generator(8, (8, 8, 1), hidden_units=(16,))
    with pytest.raises(ValueError, match="needs 4 logits; it has 3"):
        SGAN(generator, build_improved_gan_discriminator((8, 8, 1), K), num_classes=K)
    single = keras.Sequential(
        [keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(4)]
    )
    with pytest.raises(ValueError, match="two outputs"):
        SGAN(generator, single, num_classes=K)
    discriminator = build_improved_gan_discriminator((8, 8, 1), K + 1)
    with pytest.raises(ValueError, match="fake_class"):
        SGAN(generator, discriminator, num_classes=K, fake_class="both")
    with pytest.raises(ValueError, match="ema_decay"):
        SGAN(generator, discriminator, num_classes=K, ema_decay=1.5)
    with pytest.raises(ValueError, match="entropy_weight must be 0 .off. or positive"):
        SGAN(generator, discriminator, num_classes=K, entropy_weight=-1.0)
    model = SGAN(generator, discriminator, num_classes=K)
    model.compile()
    with pytest.raises(ValueError, match="SemiSupervisedBatches"):
        model.fit(x, batch_size=16, epochs=1, verbose=0)


def test_supervised_baseline_learns_from_labels_alone():
    x, y = _data(60)
    baseline = build_supervised_baseline((8, 8, 1), K, network="mlp")
    assert tuple(baseline(x[:2]).shape) == (2, K)
    history = fit_supervised_baseline(baseline, x, y, steps=8, batch_size=16)
    assert int(to_numpy(baseline.optimizer.iterations)) == 8
    assert np.all(np.isfinite(history.history["loss"]))

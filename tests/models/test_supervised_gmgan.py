"""The supervised GM-GAN: one learned component per class, a (K+1)-way discriminator."""

import keras
import numpy as np
import pytest
from keras import ops

from keras_gmgan.layers import MixtureLatent
from keras_gmgan.models import SupervisedGMGAN
from keras_gmgan.models.supervised_gmgan import (
    supervised_discriminator_loss,
    supervised_generator_loss,
)
from keras_gmgan.networks import build_mlp_discriminator, build_mlp_generator
from tests.conftest import to_numpy


def _tiny_supervised(num_classes=3, outputs=None, seed=0):
    latent = MixtureLatent(
        4,
        num_components=num_classes,
        c=3.0,
        sigma=0.5,
        per_dimension_sigma=True,
        trainable_means=True,
        trainable_sigma=True,
        seed=seed,
        name="latent",
    )
    model = SupervisedGMGAN(
        build_mlp_generator(4, (8, 8, 1), hidden_units=(16,)),
        build_mlp_discriminator(
            (8, 8, 1), hidden_units=(16,), num_outputs=outputs or num_classes + 1
        ),
        latent,
        seed=seed,
    )
    model.compile(d_optimizer=keras.optimizers.Adam(1e-2), g_optimizer=keras.optimizers.Adam(1e-2))
    return model


def _cross_entropy(logits, labels):
    logits = logits - logits.max(axis=1, keepdims=True)
    log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return -log_probs[np.arange(len(labels)), labels].mean()


def test_loss_pieces_are_cross_entropies_with_fake_as_the_last_class():
    rng = np.random.default_rng(0)
    real_logits, fake_logits = rng.normal(size=(6, 4)), rng.normal(size=(6, 4))
    labels, fake_classes = np.array([0, 1, 2, 2, 1, 0]), np.array([2, 2, 0, 1, 0, 1])

    total, real_term, fake_term = supervised_discriminator_loss(
        ops.convert_to_tensor(real_logits, "float32"),
        ops.convert_to_tensor(labels, "int32"),
        ops.convert_to_tensor(fake_logits, "float32"),
    )
    expected_real = _cross_entropy(real_logits, labels)
    expected_fake = _cross_entropy(fake_logits, np.full(6, 3))
    np.testing.assert_allclose(to_numpy(real_term), expected_real, rtol=1e-5)
    np.testing.assert_allclose(to_numpy(fake_term), expected_fake, rtol=1e-5)
    np.testing.assert_allclose(to_numpy(total), expected_real + expected_fake, rtol=1e-5)
    g_loss = supervised_generator_loss(
        ops.convert_to_tensor(fake_logits, "float32"), ops.convert_to_tensor(fake_classes, "int32")
    )
    np.testing.assert_allclose(
        to_numpy(g_loss), _cross_entropy(fake_logits, fake_classes), rtol=1e-5
    )


def test_fit_on_labelled_data_trains_both_players_and_the_prior(tiny_images):
    model = _tiny_supervised()
    labels = np.arange(len(tiny_images)) % 3
    means, log_sigma = (to_numpy(v).copy() for v in model.latent.trainable_variables)

    history = model.fit(tiny_images, labels, batch_size=16, epochs=1, verbose=0).history

    assert set(history) == set(SupervisedGMGAN.tracked_logs)
    assert all(np.isfinite(v[-1]) for v in history.values())
    np.testing.assert_allclose(
        history["d_loss"][-1], history["d_real_ce"][-1] + history["d_fake_ce"][-1], rtol=1e-5
    )
    assert 0 <= history["real_accuracy"][-1] <= 1 and 0 <= history["fake_detected"][-1] <= 1
    assert not np.allclose(to_numpy(model.latent.means), means)
    assert not np.allclose(to_numpy(model.latent.log_sigma), log_sigma)
    assert int(to_numpy(model.d_optimizer.iterations)) == 4
    with pytest.raises(ValueError, match=r"fit\(x, y\)"):
        model.fit(tiny_images, batch_size=16, epochs=1, verbose=0)


def test_generate_with_a_label_draws_from_that_class_component_only():
    model = _tiny_supervised()
    model.latent.log_sigma.assign(np.full((3, 4), np.log(0.01), dtype="float32"))
    z, k = model.latent.sample(100, labels=np.full(100, 2), seed=keras.random.SeedGenerator(4))
    assert np.all(to_numpy(k) == 2)
    np.testing.assert_allclose(
        to_numpy(z), np.broadcast_to(to_numpy(model.latent.means)[2], (100, 4)), atol=0.06
    )

    # generate(labels=k) is G of exactly those component-k latents, drawn on the host by
    # NumPy from the same seed.
    images = model.generate(100, labels=2, seed=4)
    z, _ = model.latent.sample_numpy(100, np.random.default_rng(4), labels=np.full(100, 2))
    expected = to_numpy(model.generator(z))
    np.testing.assert_allclose(images, expected, atol=1e-5)
    other = model.generate(100, labels=0, seed=4)
    assert not np.allclose(images, other)


def test_bad_supervised_setups_raise_clear_errors():
    with pytest.raises(ValueError, match="num_outputs=4"):
        _tiny_supervised(num_classes=3, outputs=1)
    with pytest.raises(ValueError, match="at least 2"):
        _tiny_supervised(num_classes=1, outputs=2)
    with pytest.raises(ValueError, match="labels must be"):
        _tiny_supervised().generate(3, labels=[0, 1])


def test_save_and_load_keeps_per_class_sampling(tmp_path):
    model = _tiny_supervised()
    model.latent.means.assign(np.random.default_rng(0).normal(size=(3, 4)).astype("float32"))
    path = tmp_path / "supervised.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded, SupervisedGMGAN) and loaded.num_classes == 3
    for label in range(3):
        np.testing.assert_allclose(
            loaded.generate(5, labels=label, seed=1),
            model.generate(5, labels=label, seed=1),
            atol=1e-6,
        )

"""Packed discriminators (`pac`, PacGAN): several samples scored jointly."""

import json

import keras
import numpy as np
import pytest
from click.testing import CliRunner

from keras_gmgan import recipes
from keras_gmgan.cli.main import cli
from keras_gmgan.layers import MixtureLatent, PackSamples
from keras_gmgan.layers.pack_samples import packing_of
from keras_gmgan.models import GAN, GMGAN, SupervisedGMGAN
from keras_gmgan.networks import (
    build_dcgan_discriminator,
    build_mlp_discriminator,
    build_networks,
    build_toy_2d_discriminator,
    build_toy_2d_generator,
)
from keras_gmgan.recipes.options import FIT_OPTIONS, check_model_options
from keras_gmgan.sampling import discriminator_rejection_sampling


def _numpy(x) -> np.ndarray:
    return keras.ops.convert_to_numpy(x)


def test_points_are_concatenated_in_runs_of_pac():
    x = np.arange(12, dtype="float32").reshape(6, 2)
    packed = _numpy(PackSamples(3)(x))
    np.testing.assert_array_equal(packed, x.reshape(2, 6))
    assert PackSamples(3).compute_output_shape((None, 2)) == (None, 6)
    np.testing.assert_array_equal(_numpy(PackSamples(1)(x)), x)


def test_images_are_stacked_along_the_channels_sample_after_sample():
    images = np.random.default_rng(0).random((4, 5, 5, 2)).astype("float32")
    packed = _numpy(PackSamples(2)(images))
    assert packed.shape == (2, 5, 5, 4)
    assert PackSamples(2).compute_output_shape((4, 5, 5, 2)) == (2, 5, 5, 4)
    for row in range(2):
        np.testing.assert_array_equal(packed[row, ..., :2], images[2 * row])
        np.testing.assert_array_equal(packed[row, ..., 2:], images[2 * row + 1])


@pytest.mark.parametrize("pac", [0, -2, 1.5, True])
def test_a_pac_that_is_not_a_positive_integer_is_refused(pac):
    with pytest.raises(ValueError, match="pac must be a positive integer"):
        PackSamples(pac)


def test_a_batch_that_is_not_a_multiple_of_pac_is_refused():
    with pytest.raises(ValueError, match="multiple of 3; got a batch of 4"):
        PackSamples(3)(np.zeros((4, 2), "float32"))


def test_every_network_scores_a_batch_of_b_samples_with_b_over_pac_logits():
    images = np.zeros((6, 28, 28, 1), "float32")
    for discriminator in (
        build_mlp_discriminator((28, 28, 1), pac=3),
        build_dcgan_discriminator((28, 28, 1), pac=3),
    ):
        assert discriminator.input_shape == (None, 28, 28, 1)
        assert _numpy(discriminator(images)).shape == (2, 1)
    mlp = build_mlp_discriminator((28, 28, 1), pac=3)
    assert mlp.layers[3].kernel.shape == (3 * 784, 1024)  # x, pack, flatten, dense
    assert _numpy(build_toy_2d_discriminator(pac=2)(np.zeros((6, 2), "float32"))).shape == (3, 1)
    # pac 1 builds the same layers as before packing existed (saved models load unchanged).
    assert not any(isinstance(layer, PackSamples) for layer in build_mlp_discriminator().layers)


def _packed_gmgan(pac: int = 2, **kwargs) -> GMGAN:
    latent = MixtureLatent.static(4, num_components=4, c=2.0, sigma=0.2, seed=0)
    model = GMGAN(
        build_toy_2d_generator(4, (32,)),
        build_toy_2d_discriminator((32,), pac=pac, **kwargs.pop("network", {})),
        latent,
        seed=0,
        **kwargs,
    )
    model.compile(d_optimizer=keras.optimizers.Adam(3e-3), g_optimizer=keras.optimizers.Adam(3e-3))
    return model


def _blobs(n: int = 512) -> np.ndarray:
    rng = np.random.default_rng(0)
    centres = np.array([[4.0, 0.0], [0.0, 4.0], [-4.0, 0.0], [0.0, -4.0]], "float32")
    return (centres[rng.integers(0, 4, n)] + 0.1 * rng.normal(size=(n, 2))).astype("float32")


def test_a_packed_gmgan_trains_saves_and_reloads(tmp_path):
    model = _packed_gmgan()
    assert model.pac == 2
    history = model.fit(_blobs(), batch_size=64, epochs=3, verbose=0).history
    assert set(history) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert all(np.isfinite(values).all() for values in history.values())
    assert history["d_loss"][0] != history["d_loss"][-1]
    path = tmp_path / "packed.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.pac == 2 and isinstance(loaded.discriminator.layers[1], PackSamples)
    np.testing.assert_allclose(loaded.generate(16, seed=3), model.generate(16, seed=3), atol=1e-6)
    x = _blobs(8)
    np.testing.assert_allclose(
        _numpy(loaded.discriminator(x)), _numpy(model.discriminator(x)), atol=1e-6
    )


def test_a_spectrally_normalised_packed_critic_scores_real_and_fake_apart():
    model = GAN(
        build_toy_2d_generator(4, (32,)),
        build_toy_2d_discriminator((32,), spectral_norm=True, pac=2),
        seed=0,
        loss="wasserstein",
        lipschitz="spectral",
        n_critic=2,
    )
    model.compile()
    real = keras.ops.convert_to_tensor(_blobs(8))
    fake = keras.ops.convert_to_tensor(np.zeros((8, 2), "float32"))
    real_scores, fake_scores = model._score(real, fake)
    assert _numpy(real_scores).shape == (4, 1) and _numpy(fake_scores).shape == (4, 1)
    # One call on the concatenation, split where the real pairs end.
    for scores, x in ((real_scores, real), (fake_scores, fake)):
        expected = model.discriminator(x, training=False)
        np.testing.assert_allclose(_numpy(scores), _numpy(expected), atol=1e-5)
    history = model.fit(_blobs(256), batch_size=64, epochs=1, verbose=0).history
    assert all(np.isfinite(values).all() for values in history.values())


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"info_weight": 1.0, "network": {"num_outputs": 5}}, "info_weight asks which component"),
        ({"loss": "wgan-gp"}, "gradient penalty bounds the critic's gradient at each sample"),
    ],
)
def test_settings_that_need_one_score_per_sample_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        _packed_gmgan(**kwargs)


def test_rejection_sampling_refuses_a_packed_discriminator():
    with pytest.raises(ValueError, match="scores 2 samples jointly"):
        discriminator_rejection_sampling(_packed_gmgan(), 10, burn_in=100, batch_size=50)


def test_the_recipes_pack_the_discriminator_and_the_supervised_gmgan_refuses():
    for model in (recipes.gmgan((28, 28, 1), pac=2, seed=0), recipes.gan((28, 28, 1), pac=2)):
        assert model.pac == 2
        assert _numpy(model.discriminator(np.zeros((4, 28, 28, 1), "float32"))).shape == (2, 1)
    assert recipes.gan((2,), pac=4).pac == 4


def test_the_static_gmgan_packs_pairs_by_default_where_packing_works():
    assert recipes.gmgan((28, 28, 1), seed=0).pac == 2  # STATIC_GMGAN_PAC
    assert recipes.gmgan((28, 28, 1), pac=1, seed=0).pac == 1
    # One score per sample: a gradient penalty or a component head; and the 2-D recipe.
    assert recipes.gmgan((28, 28, 1), loss="wgan-gp", seed=0).pac == 1
    assert recipes.gmgan((28, 28, 1), info_weight=1.0, seed=0).pac == 1
    assert recipes.gmgan((2,), loss="bce", components=2, seed=0).pac == 1
    assert recipes.gmgan_dynamic((28, 28, 1), seed=0).pac == 1
    assert packing_of(recipes.gmgan_supervised((28, 28, 1), 10, seed=0).discriminator) == 1
    # The command line checks the batch against the default it resolves too.
    with pytest.raises(ValueError, match="--pac 2 scores 2 samples jointly.*batch size is 63"):
        check_model_options("gmgan", _options(batch_size=63), {"batch_size"})
    check_model_options("gmgan", _options(batch_size=63, info_weight=1.0),
                        {"batch_size", "info_weight"})  # fmt: skip
    check_model_options("gmgan", _options(batch_size=63, pac=1), {"batch_size", "pac"})
    with pytest.raises(ValueError, match="pac is for the unsupervised variants"):
        SupervisedGMGAN(*build_networks((28, 28, 1), num_outputs=11, pac=2),
                        MixtureLatent(100, num_components=10))  # fmt: skip


def _options(**given) -> dict:
    return {**{name: None for name in FIT_OPTIONS}, "dataset": "mnist", **given}


def test_the_command_line_trains_a_packed_gmgan_and_refuses_what_cannot_train(tmp_path):
    out = tmp_path / "ring"
    tiny = ["--epochs", "1", "--steps-per-epoch", "3", "--verbose", "0"]
    runner = CliRunner()
    result = runner.invoke(cli, ["fit", "--model", "gmgan", "--dataset", "ring", "--loss", "bce",
                                 "--pac", "2", *tiny, "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads((out / "config.json").read_text())["options"]["pac"] == 2
    assert len((out / "history.csv").read_text().splitlines()) == 2

    for args, message in (
        (["--model", "gmgan", "--loss", "bce", "--pac", "3"], "batch size is 256"),
        (["--model", "gmgan", "--pac", "2"], "--pac applies to --loss bce only"),
        (["--model", "wgan", "--pac", "2"], "--pac does not apply to --model wgan"),
    ):
        bad = tmp_path / "bad"
        result = runner.invoke(cli, ["fit", "--dataset", "ring", *args, *tiny,
                                     "--out", str(bad)])  # fmt: skip
        assert result.exit_code == 2, result.output
        assert message in result.output and "Traceback" not in result.output
        assert not bad.exists()


def test_generate_with_rejection_sampling_refuses_a_packed_run(tmp_path):
    run = tmp_path / "digits"
    runner = CliRunner()
    result = runner.invoke(cli, ["fit", "--model", "gmgan", "--dataset", "digits", "--pac", "2",
                                 "--epochs", "1", "--steps-per-epoch", "2", "--verbose", "0",
                                 "--out", str(run)])  # fmt: skip
    assert result.exit_code == 0, result.output
    out = tmp_path / "drs"
    result = runner.invoke(cli, ["generate", str(run), "--drs", "--n", "10", "--out", str(out)])
    assert result.exit_code == 2 and "scores 2 samples jointly" in result.output, result.output
    assert "Traceback" not in result.output and not out.exists()

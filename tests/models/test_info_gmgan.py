"""GM-GAN with a component head (`info_weight`, InfoGAN's term): components become clusters."""

import json

import keras
import numpy as np
import pytest
from click.testing import CliRunner

from keras_gmgan import recipes
from keras_gmgan.cli.main import cli
from keras_gmgan.layers import MixtureLatent
from keras_gmgan.models import GMGAN
from keras_gmgan.networks import build_toy_2d_discriminator, build_toy_2d_generator
from keras_gmgan.sampling import discriminator_rejection_sampling

K = 4
#: Four well separated blobs on the axes.
CENTRES = np.array([[4.0, 0.0], [0.0, 4.0], [-4.0, 0.0], [0.0, -4.0]], dtype="float32")


def _blobs(n: int = 1024, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (CENTRES[rng.integers(0, K, n)] + 0.1 * rng.normal(size=(n, 2))).astype("float32")


def _info_gmgan(info_weight: float = 1.0, outputs: int = 1 + K, **kwargs) -> GMGAN:
    latent = MixtureLatent.static(4, num_components=K, c=2.0, sigma=0.2, seed=0)
    model = GMGAN(
        build_toy_2d_generator(4, (32,)),
        build_toy_2d_discriminator((32,), num_outputs=outputs),
        latent,
        seed=0,
        info_weight=info_weight,
        **kwargs,
    )
    model.compile(d_optimizer=keras.optimizers.Adam(3e-3), g_optimizer=keras.optimizers.Adam(3e-3))
    return model


def _head_accuracy(model: GMGAN, n_per_component: int = 200) -> float:
    """How often the component head names the component that drew a fresh fake."""
    components = np.repeat(np.arange(K), n_per_component)
    fakes = model.generate(len(components), components=components, seed=1, weights="raw")
    logits = keras.ops.convert_to_numpy(model.discriminator(fakes, training=False))
    return float(np.mean(logits[:, 1:].argmax(axis=1) == components))


def test_the_head_learns_which_component_drew_each_fake_and_both_players_use_it():
    model = _info_gmgan()
    assert _head_accuracy(model) < 0.7  # untrained: about chance (0.25)
    history = model.fit(_blobs(), batch_size=64, epochs=20, verbose=0).history
    assert set(history) == {"d_loss", "g_loss", "d_real", "d_fake", "info_loss"}
    # From about log K (1.39) towards 0: the generator draws each component apart.
    assert history["info_loss"][0] > 0.5 and history["info_loss"][-1] < 0.2, history["info_loss"]
    assert _head_accuracy(model) > 0.95
    # The components draw different regions: their mean points lie apart.
    means = [model.generate(200, components=k, seed=2).mean(axis=0) for k in range(K)]
    distances = [np.linalg.norm(a - b) for i, a in enumerate(means) for b in means[i + 1 :]]
    assert min(distances) > 0.5, means


def test_the_gradient_penalty_bounds_the_adversarial_output_alone():
    model = _info_gmgan(loss="wgan-gp", n_critic=2)
    history = model.fit(_blobs(256), batch_size=64, epochs=2, verbose=0).history
    assert {"gp", "info_loss"} <= set(history)
    assert all(np.isfinite(values[-1]) for values in history.values())
    x = keras.ops.convert_to_tensor(_blobs(8))
    scores = keras.ops.convert_to_numpy(model._adversarial_critic(x))
    assert scores.shape == (8, 1)


def test_saving_keeps_the_head_and_rejection_sampling_reads_the_adversarial_logit(tmp_path):
    model = _info_gmgan()
    model.fit(_blobs(256), batch_size=64, epochs=1, verbose=0)
    path = tmp_path / "info.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.info_weight == 1.0 and loaded.num_component_logits == K
    np.testing.assert_allclose(loaded.generate(16, seed=3), model.generate(16, seed=3), atol=1e-6)
    samples, rate = discriminator_rejection_sampling(loaded, 20, burn_in=200, batch_size=100,
                                                     seed=0)  # fmt: skip
    assert samples.shape == (20, 2) and 0 < rate <= 1


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"outputs": 1}, "K = 5 outputs"),
        ({"info_weight": -1.0}, "finite number >= 0"),
        ({"info_weight": float("nan")}, "finite number >= 0"),
    ],
)
def test_settings_that_cannot_train_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        _info_gmgan(**kwargs)


def test_one_component_has_nothing_to_recover():
    latent = MixtureLatent.standard_normal(4)
    with pytest.raises(ValueError, match="this prior has one component"):
        GMGAN(build_toy_2d_generator(4), build_toy_2d_discriminator(num_outputs=2), latent,
              info_weight=1.0)  # fmt: skip


def test_the_recipe_builds_the_head_and_the_command_line_trains_it(tmp_path):
    model = recipes.gmgan((28, 28, 1), components=5, info_weight=0.5, seed=0)
    assert model.discriminator.output_shape == (None, 6) and model.info_weight == 0.5
    assert recipes.gmgan((28, 28, 1), seed=0).discriminator.output_shape == (None, 1)

    out = tmp_path / "ring"
    tiny = ["--epochs", "1", "--steps-per-epoch", "3", "--verbose", "0"]
    runner = CliRunner()
    result = runner.invoke(cli, ["fit", "--model", "gmgan", "--dataset", "ring", "--components",
                                 "8", "--info-weight", "1", *tiny, "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads((out / "config.json").read_text())["options"]["info_weight"] == 1.0
    assert "info_loss" in (out / "history.csv").read_text().splitlines()[0]

    for args, message in (
        (["--model", "gmgan", "--components", "1"], "this prior has one component"),
        (["--model", "gan"], "--info-weight"),
    ):
        bad = tmp_path / "bad"
        result = runner.invoke(cli, ["fit", "--dataset", "ring", *args, "--info-weight", "1",
                                     *tiny, "--out", str(bad)])  # fmt: skip
        assert result.exit_code == 2, result.output
        assert message in result.output and "Traceback" not in result.output
        assert not bad.exists()

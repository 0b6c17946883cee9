"""`keras_gmgan.recipes`: one compiled model per `fit --model`, defaults declared once."""

import numpy as np
import pytest

from keras_gmgan import recipes
from keras_gmgan.recipes import RECIPES, default, describe_defaults


def _adam(model) -> tuple:
    optimizer = model.d_optimizer
    return (
        float(np.asarray(optimizer.learning_rate)),
        float(optimizer.beta_1),
        float(optimizer.beta_2),
    )


def test_every_command_line_model_has_a_recipe():
    assert sorted(RECIPES) == [
        "cnn-baseline", "gan", "gmgan", "gmgan-dynamic", "gmgan-supervised", "sgan", "wgan"
    ]  # fmt: skip
    assert RECIPES["gmgan"].function is recipes.gmgan
    assert RECIPES["cnn-baseline"].function is recipes.cnn_baseline


def test_gan_and_wgan_recipes_use_the_seeds_optimizers_and_prior():
    from keras_gmgan.models import GAN, WGAN

    gan = recipes.gan((2,), seed=1)
    assert type(gan) is GAN and gan.latent.latent_dim == 2
    assert gan.latent.num_components == 1
    assert _adam(gan) == pytest.approx((2e-4, 0.5, 0.999))
    wgan = recipes.wgan((2,), components=4, lipschitz="clip", seed=1)
    assert type(wgan) is WGAN and wgan.lipschitz == "clip" and wgan.n_critic == 5
    assert wgan.latent.num_components == 4
    assert float(np.asarray(wgan.latent.sigma).ravel()[0]) == pytest.approx(0.7)
    assert _adam(wgan) == pytest.approx((1e-4, 0.0, 0.9))
    # The models train as they come.
    points = np.random.default_rng(0).normal(size=(64, 2)).astype("float32")
    history = gan.fit(points, batch_size=32, epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"][-1])


def test_gmgan_recipes_follow_their_loss_and_variant():
    from keras_gmgan.models import GMGAN, SupervisedGMGAN

    static = recipes.gmgan((8, 8, 1), latent_dim=4, components=3, seed=0)
    assert type(static) is GMGAN and static.latent.num_components == 3
    assert not static.latent.trainable_variables
    assert _adam(static) == pytest.approx((2e-4, 0.5, 0.999))
    critic = recipes.gmgan((8, 8, 1), latent_dim=4, loss="wgan-gp")
    assert _adam(critic) == pytest.approx((1e-4, 0.0, 0.9))
    dynamic = recipes.gmgan_dynamic((8, 8, 1), latent_dim=4, lr=1e-3)
    assert dynamic.latent.trainable_variables and _adam(dynamic)[0] == pytest.approx(1e-3)
    supervised = recipes.gmgan_supervised((8, 8, 1), 3, latent_dim=4)
    assert type(supervised) is SupervisedGMGAN and supervised.latent.num_components == 3
    assert _adam(supervised) == pytest.approx((8e-5, 0.5, 0.999))


def test_recipes_refuse_what_does_not_fit():
    with pytest.raises(ValueError, match="needs image data"):
        recipes.gmgan((2,))
    with pytest.raises(ValueError, match="one component per class"):
        recipes.gmgan_supervised((8, 8, 1), 3, components=4)
    with pytest.raises(ValueError, match="--network dcgan needs image data"):
        recipes.gan((2,), network="dcgan")
    with pytest.raises(ValueError, match="needs train_steps"):
        recipes.sgan((8, 8, 1), 3, lr_decay="linear")


def test_semi_supervised_recipes():
    from keras_gmgan.models import SGAN, SGAN_ADAM_EPSILON, BaselineClassifier
    from keras_gmgan.schedules import HoldThenLinearDecay

    images = np.random.default_rng(0).uniform(-1, 1, (20, 8, 8, 1)).astype("float32")
    sgan = recipes.sgan((8, 8, 1), 3, images, train_steps=100, latent_dim=4,
                        lr_decay="linear", lr_hold=0.5)  # fmt: skip
    assert type(sgan) is SGAN and sgan.num_classes == 3 and sgan.fake_class == "implicit"
    schedule = sgan.d_optimizer._learning_rate
    assert isinstance(schedule, HoldThenLinearDecay)
    assert (schedule.hold_steps, schedule.decay_steps) == (50, 50)
    assert float(sgan.d_optimizer.epsilon) == pytest.approx(SGAN_ADAM_EPSILON)
    baseline = recipes.cnn_baseline((8, 8, 1), 3, images)
    assert isinstance(baseline, BaselineClassifier)
    assert baseline.predict(images[:2], verbose=0).shape == (2, 3)


def test_options_and_defaults_are_read_from_the_recipes():
    assert "gif" in RECIPES["gan"].options and "lipschitz" not in RECIPES["gan"].options
    assert {"lipschitz", "clip_value", "n_critic"} <= RECIPES["wgan"].options
    assert not {"latent_dim", "components", "c", "sigma"} & RECIPES["cnn-baseline"].options
    assert RECIPES["cnn-baseline"].parameters["network"] == "dcgan"
    assert RECIPES["sgan"].batch_size == 100
    assert default("gp_weight") == 10.0 and default("lipschitz") == "gp"
    with pytest.raises(ValueError, match="n_critic"):
        default("n_critic")  # 5 for wgan, None (the loss's) for the GM-GANs
    lr = describe_defaults("lr")
    assert "gmgan-supervised: 8e-5" in lr and "sgan: 1e-3" in lr and "wgan: 1e-4" in lr
    assert describe_defaults("batch_size").endswith("cnn-baseline: 64; sgan: 100")


def test_build_passes_only_the_options_that_are_set():
    from types import SimpleNamespace

    data = SimpleNamespace(data_shape=(2,), name="ring")
    options = {"latent_dim": 2, "components": 3, "c": None, "sigma": None, "network": "mlp",
               "lr": None, "beta1": 0.2, "seed": 4, "lipschitz": "gp", "n_critic": None,
               "clip_value": 0.01, "gp_weight": 1.0}  # fmt: skip
    model = RECIPES["wgan"].build(options, data)
    assert model.latent.num_components == 3 and model.gp_weight == 1.0
    assert _adam(model) == pytest.approx((1e-4, 0.2, 0.9))

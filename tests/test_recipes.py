"""`keras_gmgan.recipes`: one compiled model per `fit --model`, defaults declared once."""

import numpy as np
import pytest

from keras_gmgan import recipes
from keras_gmgan.recipes import RECIPES, default, describe_defaults
from keras_gmgan.recipes.options import (
    FIT_OPTIONS,
    RunOption,
    check_eval_options,
    check_model_options,
)
from tests.conftest import to_numpy


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
    assert _adam(gan) == pytest.approx((1e-3, 0.5, 0.9))  # the 2-D benchmark's Adam
    assert _adam(recipes.gan((8, 8, 1), latent_dim=4)) == pytest.approx((2e-4, 0.5, 0.999))
    wgan = recipes.wgan((2,), components=4, lipschitz="clip", seed=1)
    assert type(wgan) is WGAN and wgan.lipschitz == "clip" and wgan.n_critic == 5
    assert wgan.latent.num_components == 4
    assert float(np.asarray(wgan.latent.sigma).ravel()[0]) == pytest.approx(0.7)
    assert _adam(recipes.wgan((8, 8, 1), latent_dim=4)) == pytest.approx((1e-4, 0.0, 0.9))
    # The models train as they come.
    points = np.random.default_rng(0).normal(size=(64, 2)).astype("float32")
    history = gan.fit(points, batch_size=32, epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"][-1])


def test_gmgan_recipes_follow_their_loss_and_variant():
    from keras_gmgan.models import GMGAN, SupervisedGMGAN

    static = recipes.gmgan((8, 8, 1), latent_dim=4, components=3, seed=0)
    assert type(static) is GMGAN and static.latent.num_components == 3
    assert not static.latent.trainable_variables
    assert _adam(static) == pytest.approx((1e-4, 0.5, 0.999))  # the discriminator's
    critic = recipes.gmgan((8, 8, 1), latent_dim=4, loss="wgan-gp")
    assert _adam(critic) == pytest.approx((1e-4, 0.0, 0.9))
    assert _adam(recipes.gmgan_dynamic((8, 8, 1), latent_dim=4)) == pytest.approx(
        (2e-4, 0.5, 0.999)
    )
    dynamic = recipes.gmgan_dynamic((8, 8, 1), latent_dim=4, lr=1e-3)
    assert dynamic.latent.trainable_variables and _adam(dynamic)[0] == pytest.approx(1e-3)
    supervised = recipes.gmgan_supervised((8, 8, 1), 3, latent_dim=4)
    assert type(supervised) is SupervisedGMGAN and supervised.latent.num_components == 3
    assert _adam(supervised) == pytest.approx((8e-5, 0.5, 0.999))
    # The static and supervised models sample a moving average of their generator by default
    # (the static one's FID at the time budget, the supervised one's components on their
    # classes); the dynamic one keeps none unless asked.
    assert supervised.generator_average.decay == pytest.approx(0.999)
    assert static.generator_average.decay == pytest.approx(0.999)
    assert recipes.gmgan_supervised(
        (8, 8, 1), 3, latent_dim=4, ema_decay=0.9
    ).generator_average.decay == pytest.approx(0.9)
    assert dynamic.generator_average is None


def test_recipes_refuse_what_does_not_fit():
    with pytest.raises(ValueError, match="gmgan-supervised needs labelled image data"):
        recipes.gmgan_supervised((2,), 3)
    with pytest.raises(ValueError, match="needs train_steps"):
        recipes.gan((2,), lr_decay="linear")
    with pytest.raises(ValueError, match="--network deep is a 2-D pair"):
        recipes.gan((8, 8, 1), network="deep")
    with pytest.raises(ValueError, match="one component per class"):
        recipes.gmgan_supervised((8, 8, 1), 3, components=4)
    with pytest.raises(ValueError, match="--network dcgan needs image data"):
        recipes.gan((2,), network="dcgan")
    with pytest.raises(ValueError, match="needs train_steps"):
        recipes.sgan((8, 8, 1), 3, lr_decay="linear")
    with pytest.raises(ValueError, match="rates do not decay; pass lr_decay='linear'"):
        recipes.gan((8, 8, 1), lr_floor=0.1)
    with pytest.raises(ValueError, match=r"lr_floor is a fraction of the rate in \[0, 1\)"):
        recipes.wgan((2,), train_steps=10, lr_floor=1.0)


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
    assert default("gp_weight") is None and default("lipschitz") == "gp"  # per data set
    with pytest.raises(ValueError, match="n_critic"):
        default("n_critic")  # 5 for wgan, None (the loss's) for the GM-GANs
    lr = describe_defaults("lr")
    assert "gmgan-supervised: 8e-5" in lr and "sgan: 1e-3" in lr and "wgan: 1e-4" in lr
    assert describe_defaults("batch_size").endswith("cnn-baseline: 64; sgan: 100")


def test_fit_options_declare_every_option_a_run_reads_and_no_other():
    read = set().union(*(recipe.options for recipe in RECIPES.values()))
    assert set(FIT_OPTIONS) == read
    for option in FIT_OPTIONS.values():  # a model's default is listed for every such option
        assert not option.model_default or describe_defaults(option.name), option.name
    assert FIT_OPTIONS["lr"].help_text() == (
        "Adam learning rate of both players, or of the generator with --d-lr (default: "
        f"{describe_defaults('lr')})."
    )
    assert FIT_OPTIONS["steps_per_epoch"].flag == "--steps-per-epoch"
    assert FIT_OPTIONS["model"].choices == tuple(sorted(RECIPES))
    with pytest.raises(ValueError, match="kind 'number'"):
        RunOption("x", "number")


def _unset(**given) -> dict:
    return {**{name: None for name in FIT_OPTIONS}, "dataset": "mnist", **given}


def test_check_model_options_names_the_first_option_a_run_would_ignore():
    check_model_options("wgan", _unset(lipschitz="clip", clip_value=0.1), {"clip_value"})
    with pytest.raises(ValueError, match=r"^--lipschitz does not apply to --model gan\.$"):
        check_model_options("gan", _unset(lipschitz="clip", labels=5), {"lipschitz", "labels"})
    with pytest.raises(ValueError, match="--c does not apply to --model cnn-baseline "
                       r"\(it generates nothing\)"):  # fmt: skip
        check_model_options("cnn-baseline", _unset(c=1.0), {"c"})
    with pytest.raises(ValueError, match="--gp-weight applies to --loss wgan-gp only; this "
                       "run has --loss bce"):  # fmt: skip
        check_model_options("gmgan", _unset(gp_weight=1.0), {"gp_weight"})
    with pytest.raises(ValueError, match="--gif animates 2-D points"):
        check_model_options("gan", _unset(gif=True), {"gif"})
    check_model_options("gan", _unset(dataset="grid", gif=True), {"gif", "dataset"})
    with pytest.raises(ValueError, match="add --lr-decay linear"):
        check_model_options("sgan", _unset(lr_hold=0.5), {"lr_hold"})
    check_model_options("gmgan", _unset(dataset="grid", lr_floor=0.2), {"lr_floor", "dataset"})
    with pytest.raises(ValueError, match="this run's rates do not decay. Add --lr-decay linear"):
        check_model_options("gmgan", _unset(lr_floor=0.2), {"lr_floor"})
    with pytest.raises(ValueError, match="Add --lr-decay linear or drop --lr-floor"):
        check_model_options("wgan", _unset(dataset="ring", lipschitz="gp", lr_decay="none",
                                           lr_floor=0.2), {"lr_floor", "lr_decay"})  # fmt: skip
    with pytest.raises(ValueError, match="--learning-rate is not an option of fit"):
        check_model_options("gan", _unset(), {"learning_rate"})


def test_check_eval_options_refuses_evaluations_that_cannot_run():
    check_eval_options(_unset(model="gan", eval_every=10, eval_samples=100))
    with pytest.raises(ValueError, match="--model cnn-baseline generates none"):
        check_eval_options(_unset(model="cnn-baseline", eval_every=10))
    with pytest.raises(ValueError, match="--eval-every on digits"):
        check_eval_options(_unset(model="gan", dataset="digits", eval_every=10))
    with pytest.raises(ValueError, match="add --eval-every N"):
        check_eval_options(_unset(model="gan", eval_samples=100))


def test_build_passes_only_the_options_that_are_set():
    from types import SimpleNamespace

    data = SimpleNamespace(data_shape=(2,), name="ring", is_image=False,
                           x_train=np.full((10, 2), 3.0, "float32"))  # fmt: skip
    options = {"epochs": 1, "steps_per_epoch": 2, "batch_size": 5,
               "latent_dim": 2, "components": 3, "c": None, "sigma": None, "network": "mlp",
               "lr": None, "beta1": 0.2, "seed": 4, "lipschitz": "gp", "n_critic": None,
               "clip_value": 0.01, "gp_weight": 1.0}  # fmt: skip
    model = RECIPES["wgan"].build(options, data)
    assert model.latent.num_components == 3 and model.gp_weight == 1.0
    assert _adam(model) == pytest.approx((1e-3, 0.2, 0.9))


def _hidden_units(network) -> list:
    return [layer.units for layer in network.layers if hasattr(layer, "units")][:-1]


def _decay_steps(optimizer):
    schedule = optimizer._learning_rate
    return getattr(schedule, "decay_steps", None)


def _end_rate(optimizer) -> float:
    return optimizer._learning_rate.end_learning_rate


def test_2d_defaults_are_the_benchmarks_and_images_keep_theirs():
    from keras_gmgan.schedules import HoldThenLinearDecay

    wgan = recipes.wgan((2,), train_steps=10)
    assert _hidden_units(wgan.generator) == [128, 128, 128]
    assert _hidden_units(wgan.discriminator) == [128, 128, 128]
    assert (wgan.gp_weight, wgan.clip_value) == pytest.approx((0.1, 0.1))
    assert isinstance(wgan.g_optimizer._learning_rate, HoldThenLinearDecay)
    # Both players' rates reach 0 at the run's end: the critic steps 5 times per step.
    assert (_decay_steps(wgan.g_optimizer), _decay_steps(wgan.d_optimizer)) == (10, 50)
    gmgan = recipes.gmgan((2,), components=25, train_steps=10, seed=0)
    assert gmgan.adversarial_loss == "wgan-gp" and gmgan.critic_batches == "split"
    assert (gmgan.latent.num_components, gmgan.latent.latent_dim) == (25, 8)
    assert (gmgan.latent.c, float(np.asarray(gmgan.latent.sigma).ravel()[0])) == pytest.approx(
        (1.0, 0.02)
    )
    # The static GM-GAN's critic on points: penalty 0.01, 10 steps (POINT_GMGAN_CRITIC).
    assert (gmgan.gp_weight, gmgan.n_critic, _decay_steps(gmgan.d_optimizer)) == (0.01, 10, 100)
    # Its rates end at a tenth of their start (POINT_GMGAN_LR_FLOOR); the others' at 0.
    assert [_end_rate(o) for o in (gmgan.g_optimizer, gmgan.d_optimizer)] == pytest.approx(
        [1e-4, 1e-4]
    )
    assert _end_rate(wgan.d_optimizer) == 0.0
    assert _end_rate(recipes.gmgan_dynamic((2,), train_steps=10).g_optimizer) == 0.0
    assert _end_rate(recipes.gmgan((2,), loss="bce", train_steps=10).g_optimizer) == 0.0
    constant = recipes.gmgan((2,), train_steps=10, lr_decay="none").g_optimizer.learning_rate
    assert float(to_numpy(constant)) == pytest.approx(1e-3)
    floor = recipes.gan((2,), train_steps=10, lr=2e-3, d_lr=1e-3, lr_floor=0.25)
    assert (_end_rate(floor.g_optimizer), _end_rate(floor.d_optimizer)) == pytest.approx(
        (5e-4, 2.5e-4)
    )
    assert recipes.gmgan((2,), data_scale=4.0).gp_weight == pytest.approx(0.04)
    dynamic = recipes.gmgan_dynamic((2,), components=2, train_steps=10)
    assert (dynamic.gp_weight, dynamic.n_critic) == (0.1, 5)  # as wgan's
    given = recipes.gmgan((2,), gp_weight=0.5, n_critic=3)
    assert (given.gp_weight, given.n_critic) == (0.5, 3)
    assert gmgan.generator_average.decay == pytest.approx(0.999)  # STATIC_GMGAN_EMA_DECAY
    assert recipes.gmgan((2,), components=2, ema_decay=0.9).generator_average.decay == 0.9
    assert recipes.gmgan_dynamic((2,), components=2).generator_average is None
    assert _hidden_units(gmgan.generator) == [128, 128, 128]
    assert recipes.gmgan((8, 8, 1), latent_dim=4).adversarial_loss == "bce"
    # Images: the static GM-GAN's separated prior, the dynamic one's the seeds'.
    static = recipes.gmgan((8, 8, 1), latent_dim=4, seed=0)
    assert (static.latent.c, float(np.asarray(static.latent.sigma).ravel()[0])) == pytest.approx(
        (3.0, 1.4)
    )
    dynamic = recipes.gmgan_dynamic((8, 8, 1), latent_dim=4, seed=0)
    assert dynamic.latent.c == pytest.approx(0.467)
    np.testing.assert_allclose(to_numpy(dynamic.latent.sigmas), 0.7, rtol=1e-6)
    assert len(dynamic.latent.trainable_variables) == 2
    # The supervised one's: c = 3 and a learned σ per dimension starting at 1.4.
    supervised = recipes.gmgan_supervised((8, 8, 1), 3, latent_dim=4, seed=0)
    assert tuple(supervised.latent.sigmas.shape) == (3, 4)
    np.testing.assert_allclose(to_numpy(supervised.latent.sigmas), 1.4, rtol=1e-6)
    assert supervised.latent.c == pytest.approx(3.0)
    assert len(supervised.latent.trainable_variables) == 2
    assert supervised.discriminator.output_shape == (None, 4)
    given = recipes.gmgan((8, 8, 1), latent_dim=4, c=0.467, sigma=0.7, seed=0)
    assert given.latent.c == pytest.approx(0.467)
    images = recipes.wgan((8, 8, 1), latent_dim=4, train_steps=10)
    assert (images.gp_weight, images.clip_value) == pytest.approx((10.0, 0.01))
    assert _decay_steps(images.g_optimizer) is None


def test_options_given_win_over_the_2d_defaults():
    gan = recipes.gan((2,), train_steps=10, network="mlp", lr=5e-4, beta1=0.1, lr_decay="none")
    assert _hidden_units(gan.generator) == [100] and _decay_steps(gan.g_optimizer) is None
    assert _adam(gan) == pytest.approx((5e-4, 0.1, 0.9))
    wgan = recipes.wgan((2,), lipschitz="clip", clip_value=0.3, gp_weight=2.0, n_critic=2,
                        train_steps=10)  # fmt: skip
    assert (wgan.clip_value, wgan.gp_weight, _decay_steps(wgan.d_optimizer)) == (0.3, 2.0, 20)
    images = recipes.gan((8, 8, 1), latent_dim=4, lr_decay="linear", train_steps=10)
    assert _decay_steps(images.d_optimizer) == 10


def _player_adam(optimizer) -> tuple:
    return float(np.asarray(optimizer.learning_rate)), float(optimizer.beta_1)


def test_the_discriminator_takes_its_own_rate_and_beta1_the_generator_keeps_its_own():
    gan = recipes.gan((8, 8, 1), latent_dim=4, lr=2e-4, d_lr=8e-4, d_beta1=0.9)
    assert _player_adam(gan.d_optimizer) == pytest.approx((8e-4, 0.9))
    assert _player_adam(gan.g_optimizer) == pytest.approx((2e-4, 0.5))
    # Alone, --d-lr leaves the generator on the recipe's default rate.
    gmgan = recipes.gmgan((8, 8, 1), latent_dim=4, d_lr=2e-4, seed=0)
    assert _player_adam(gmgan.d_optimizer) == pytest.approx((2e-4, 0.5))
    assert _player_adam(gmgan.g_optimizer) == pytest.approx((3e-4, 0.5))
    # The static GM-GAN on images: the discriminator at 1e-4 (STATIC_GMGAN_D_LR) unless a
    # rate is given; --lr alone sets both players' again.
    default = recipes.gmgan((8, 8, 1), latent_dim=4, seed=0)
    assert _player_adam(default.d_optimizer) == pytest.approx((1e-4, 0.5))
    assert _player_adam(default.g_optimizer) == pytest.approx((3e-4, 0.5))
    one_rate = recipes.gmgan((8, 8, 1), latent_dim=4, lr=2e-4, seed=0)
    assert _player_adam(one_rate.d_optimizer) == pytest.approx((2e-4, 0.5))
    for other in (recipes.gmgan_dynamic((8, 8, 1), latent_dim=4, seed=0),
                  recipes.gmgan((8, 8, 1), latent_dim=4, loss="wgan-gp", seed=0),
                  recipes.gmgan((2,), components=2, seed=0)):  # fmt: skip
        assert _player_adam(other.d_optimizer) == pytest.approx(_player_adam(other.g_optimizer))
    # Under a linear decay each rate falls from its own start; the critic's over n_critic
    # times the steps, so both reach 0 together.
    wgan = recipes.wgan((2,), train_steps=10, d_lr=2e-3, n_critic=2)
    assert (_decay_steps(wgan.g_optimizer), _decay_steps(wgan.d_optimizer)) == (10, 20)
    assert wgan.d_optimizer._learning_rate.initial_learning_rate == pytest.approx(2e-3)
    assert wgan.g_optimizer._learning_rate.initial_learning_rate == pytest.approx(1e-3)
    supervised = recipes.gmgan_supervised((8, 8, 1), 3, latent_dim=4, d_beta1=0.0, seed=0)
    assert _player_adam(supervised.d_optimizer) == pytest.approx((8e-5, 0.0))
    assert _player_adam(supervised.g_optimizer) == pytest.approx((8e-5, 0.5))
    assert "--lr's" in describe_defaults("d_lr")
    with pytest.raises(ValueError, match="--d-lr does not apply to --model sgan"):
        check_model_options("sgan", _unset(model="sgan"), {"d_lr"})


def test_default_batch_sizes_follow_the_data_and_the_critic():
    assert RECIPES["gan"].default_batch_size({}, points=True) == 256
    assert RECIPES["gan"].default_batch_size({}, points=False) == 64
    assert RECIPES["wgan"].default_batch_size({"n_critic": None}, points=True) == 320
    assert RECIPES["wgan"].default_batch_size({"n_critic": 2}, points=True) == 128
    assert RECIPES["gmgan"].default_batch_size({"loss": "bce"}, points=True) == 256
    # The static GM-GAN's critic takes 10 steps on points (POINT_GMGAN_CRITIC), 64 points each.
    assert RECIPES["gmgan"].default_batch_size({"loss": "wgan-gp"}, points=True) == 640
    assert RECIPES["gmgan"].default_batch_size({"n_critic": 2}, points=True) == 128
    assert RECIPES["gmgan-dynamic"].default_batch_size({"loss": "wgan-gp"}, points=True) == 320
    assert RECIPES["sgan"].default_batch_size({}, points=False) == 100
    assert "256 for 2-D points" in describe_defaults("batch_size")
    assert "1e-3 for 2-D points" in describe_defaults("lr")


def test_2d_networks_see_standardised_points_and_draw_data_units():
    model = recipes.gmgan((2,), data_scale=4.0, components=3, seed=0)
    points = model.generator.get_layer("points")
    points.kernel.assign(np.zeros(points.kernel.shape, "float32"))
    points.bias.assign(np.array([1.0, -0.5], "float32"))
    # The network's output (1, -0.5) in standardised units is drawn as (4, -2) (the trained
    # weights, where the values were set, not their moving average).
    drawn = model.generate(3, seed=0, weights="raw")
    np.testing.assert_allclose(drawn, [[4.0, -2.0]] * 3, rtol=1e-6)
    first = model.discriminator.get_layer("standardise")
    np.testing.assert_allclose(np.asarray(first(np.array([[4.0, -2.0]], "float32"))),
                               [[1.0, -0.5]], rtol=1e-6)  # fmt: skip
    assert not any(layer.name == "to_data_units" for layer in recipes.gan((2,)).generator.layers)
    # A critic's score is scaled back too, so its gradient is that on standardised points.
    critic = recipes.wgan((2,), data_scale=4.0).discriminator
    scales = [layer.scale for layer in critic.layers if hasattr(layer, "scale")]
    assert scales == pytest.approx([0.25, 4.0])
    assert recipes.wgan((2,), data_scale=4.0).gp_weight == pytest.approx(0.4)
    assert recipes.wgan((2,), data_scale=4.0, gp_weight=1.0).gp_weight == 1.0
    bce = recipes.gmgan((2,), data_scale=4.0, loss="bce").discriminator
    assert "score_scale" not in [layer.name for layer in bce.layers]

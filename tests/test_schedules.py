"""The hold-then-decay learning-rate schedule: its values, saving, and bad arguments."""

import keras
import numpy as np
import pytest

from keras_gmgan.schedules import HoldThenLinearDecay


def _rates(schedule, steps):
    return [float(keras.ops.convert_to_numpy(schedule(step))) for step in steps]


def test_the_rate_is_held_then_falls_linearly_to_zero_and_stays_there():
    schedule = HoldThenLinearDecay(1e-3, hold_steps=2, decay_steps=4)
    np.testing.assert_allclose(
        _rates(schedule, range(8)), [1e-3, 1e-3, 1e-3, 7.5e-4, 5e-4, 2.5e-4, 0.0, 0.0], atol=1e-9
    )


def test_a_decay_can_end_above_zero_and_stay_there():
    schedule = HoldThenLinearDecay(1e-3, hold_steps=1, decay_steps=4, end_learning_rate=2e-4)
    np.testing.assert_allclose(
        _rates(schedule, range(8)), [1e-3, 1e-3, 8e-4, 6e-4, 4e-4, 2e-4, 2e-4, 2e-4], atol=1e-9
    )
    keras_decay = keras.optimizers.schedules.PolynomialDecay(1e-3, 4, end_learning_rate=2e-4)
    ours = HoldThenLinearDecay(1e-3, hold_steps=0, decay_steps=4, end_learning_rate=2e-4)
    np.testing.assert_allclose(_rates(ours, range(6)), _rates(keras_decay, range(6)), atol=1e-9)


def test_without_a_hold_it_is_keras_linear_polynomial_decay():
    ours = HoldThenLinearDecay(2e-3, hold_steps=0, decay_steps=10)
    keras_decay = keras.optimizers.schedules.PolynomialDecay(2e-3, 10, end_learning_rate=0.0)
    np.testing.assert_allclose(_rates(ours, range(12)), _rates(keras_decay, range(12)), atol=1e-9)


def test_an_optimizer_with_the_schedule_round_trips_through_its_config():
    schedule = HoldThenLinearDecay(1e-3, hold_steps=5, decay_steps=7, end_learning_rate=3e-4)
    optimizer = keras.optimizers.Adam(schedule)
    restored = keras.optimizers.deserialize(keras.optimizers.serialize(optimizer))
    schedule = restored._learning_rate
    assert isinstance(schedule, HoldThenLinearDecay)
    assert (schedule.hold_steps, schedule.decay_steps) == (5, 7)
    assert schedule.end_learning_rate == pytest.approx(3e-4)
    assert _rates(schedule, [9, 20]) == pytest.approx([3e-4 + 7e-4 * 3 / 7, 3e-4])


def test_a_config_saved_before_the_end_rate_existed_still_decays_to_zero():
    schedule = HoldThenLinearDecay.from_config(
        {"initial_learning_rate": 1e-3, "hold_steps": 0, "decay_steps": 2, "name": "old"}
    )
    assert _rates(schedule, [1, 2, 3]) == pytest.approx([5e-4, 0.0, 0.0])


@pytest.mark.parametrize("hold_steps, decay_steps", [(-1, 4), (2, 0)])
def test_bad_step_counts_raise_a_clear_error(hold_steps, decay_steps):
    with pytest.raises(ValueError, match="hold_steps >= 0 and decay_steps >= 1"):
        HoldThenLinearDecay(1e-3, hold_steps=hold_steps, decay_steps=decay_steps)


@pytest.mark.parametrize("end", [-1e-4, 2e-3])
def test_an_end_rate_outside_zero_to_the_start_raises_a_clear_error(end):
    with pytest.raises(ValueError, match="must lie between 0 and it"):
        HoldThenLinearDecay(1e-3, hold_steps=0, decay_steps=4, end_learning_rate=end)

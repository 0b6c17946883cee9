"""Click types that every command's numeric options share, so each refuses bad values alike.

`click.FloatRange` lets NaN through any bound (every comparison with NaN is false) and
infinity through an open-ended one; a NaN learning rate then trains until the first NaN
loss, a NaN `--sigma-scale` writes black images. `FiniteFloat` refuses both at parse time.
A seed outside NumPy's range (0 to 2**32 - 1) fails deep inside NumPy's seeding with a
traceback; `SEED` refuses it with the range named.
"""

import math

import click

from keras_gmgan.recipes.options import SEED_MAX


class FiniteFloat(click.FloatRange):
    """`click.FloatRange` (same arguments) that also refuses NaN and ±infinity."""

    name = "finite float"

    def convert(self, value, param, ctx):
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


#: The type of every `--seed` option.
SEED = click.IntRange(0, SEED_MAX)

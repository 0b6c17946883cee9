"""The private Keras attributes keras-gmgan relies on, in one place, whatever the backend.

Each use names the Keras version it was checked against (3.15.1); `setup.cfg` pins Keras to
the tested minor versions, and a Keras upgrade starts by re-reading this module and
`keras_gmgan/backend/jax.py`.
"""

import keras


def seed_generators_in(model: keras.layers.Layer) -> list:
    """The `SeedGenerator`s of every sub-layer of `model` (dropout, Gaussian noise), in order.

    Keras 3.15.1: `Layer._flatten_layers(include_self=False)` walks the sub-layers in a fixed
    order and `Layer._seed_generators` lists the seed generators a layer owns; neither is
    public, and no public API exposes the generators' states for saving.
    """
    return [
        generator
        for layer in model._flatten_layers(include_self=False)
        for generator in layer._seed_generators
    ]

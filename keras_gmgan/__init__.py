"""keras-gmgan: adversarial generative models with mixture-of-Gaussians latents, on Keras 3.

Sub-packages are imported on first use, so `keras-gmgan --help` starts without importing
Keras and `KERAS_BACKEND` can still be chosen after `import keras_gmgan`.
"""

import importlib

from keras_gmgan.version import __version__ as __version__

_SUBMODULES = (
    "backend",
    "callbacks",
    "datasets",
    "layers",
    "losses",
    "metrics",
    "models",
    "networks",
    "recipes",
    "runs",
    "sampling",
    "schedules",
    "scoring",
)


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"keras_gmgan.{name}")
    raise AttributeError(f"module 'keras_gmgan' has no attribute {name!r}")

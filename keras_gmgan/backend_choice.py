"""Which Keras backend a command runs on, settled before `import keras`.

Keras reads `KERAS_BACKEND`, else the "backend" of `keras.json` in `$KERAS_HOME` (default
`~/.keras`), else takes TensorFlow, and then imports that backend's package. After
`pip install "keras-gmgan[jax]"` the default is not installed, and `import keras` dies with
`ModuleNotFoundError: No module named 'tensorflow'`; an unknown name dies with a traceback
too. `choose_backend` checks the choice first (without importing anything): an explicit
`KERAS_BACKEND` must name an installed backend keras-gmgan runs on, and when the variable is
unset and Keras' configured default is not installed, it picks an installed one.
"""

import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Optional

#: The backends keras-gmgan runs on, in the order one is picked when the default is missing.
SUPPORTED = ("jax", "tensorflow", "torch")
#: Keras' default when neither the variable nor keras.json names one.
KERAS_DEFAULT = "tensorflow"
ENV_VAR = "KERAS_BACKEND"


class BackendError(RuntimeError):
    """No usable backend: the message is one line naming the variable and the choices."""


def installed_backends() -> list[str]:
    """The supported backends whose package can be found (none is imported)."""
    return [name for name in SUPPORTED if _findable(name)]


def configured_backend() -> tuple[str, str]:
    """The backend Keras would take with `KERAS_BACKEND` unset, and where that comes from."""
    if "KERAS_HOME" in os.environ:
        home = Path(os.environ["KERAS_HOME"])
    else:
        base = Path("~").expanduser()
        home = (base if os.access(base, os.W_OK) else Path("/tmp")) / ".keras"
    config = home.expanduser() / "keras.json"
    try:
        name = json.loads(config.read_text()).get("backend", KERAS_DEFAULT)
    except (OSError, ValueError, AttributeError):  # no file, unreadable: Keras' default
        return KERAS_DEFAULT, "Keras' default"
    return str(name), str(config)


def choose_backend() -> Optional[str]:
    """Makes sure `import keras` gets a backend keras-gmgan runs on.

    Returns None when the choice stands as it is (or Keras is imported already, so its
    backend is fixed), or a one-line note after picking an installed backend (setting
    `KERAS_BACKEND` for this process) because the variable is unset and Keras' configured
    default is not installed. Raises `BackendError` (one line) for an unknown or missing
    backend named by the variable, or when no supported backend is installed.
    """
    if "keras" in sys.modules:
        return None
    installed = installed_backends()
    choices = f"installed: {', '.join(installed)}" if installed else "none is installed"
    wanted = os.environ.get(ENV_VAR)
    if wanted:
        if wanted not in SUPPORTED:
            raise BackendError(
                f"{ENV_VAR}={wanted} is not a backend keras-gmgan runs on; set it to jax, "
                f"tensorflow or torch ({choices})."
            )
        if wanted not in installed:
            raise BackendError(
                f"{ENV_VAR}={wanted}, but {wanted} is not installed; pip install "
                f'"keras-gmgan[{wanted}]", or set {ENV_VAR} to another backend ({choices}).'
            )
        return None
    default, source = configured_backend()
    if default in installed:
        return None
    if not installed:
        raise BackendError(
            f"No Keras backend is installed ({ENV_VAR} is unset, Keras' configured one is "
            f'{default}); pip install "keras-gmgan[jax]" (or [tensorflow], [torch]).'
        )
    chosen = installed[0]
    os.environ[ENV_VAR] = chosen
    problem = "is not installed" if default in SUPPORTED else "is not one keras-gmgan runs on"
    return (
        f"Using the {chosen} backend: {ENV_VAR} is unset and Keras' configured backend, "
        f"{default} ({source}), {problem}. Set {ENV_VAR} to choose ({choices})."
    )


def _findable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a broken or hidden package counts as missing
        return False

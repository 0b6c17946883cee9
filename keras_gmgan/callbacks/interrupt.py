"""Stop `fit` cleanly on Ctrl-C (SIGINT) or SIGTERM, at the next batch end.

Python turns SIGINT into a KeyboardInterrupt wherever the main thread happens to be. Under
JAX that is usually inside Keras' per-batch conversion of the logs, whose bare `except`
swallows it, so the run trains on to the end; under every backend it may land in the middle
of a checkpoint save. SIGTERM, by default, ends the process without a word. `StopOnSignal`
replaces both handlers while `fit` runs with one that only records the signal and asks the
model to stop; at the next batch end the callback raises `TrainingInterrupted`, so the
unfinished epoch is neither logged nor checkpointed, and the last finished epoch's
checkpoint is what a resumed run continues from.
"""

import signal
import threading
from typing import Optional, Sequence

import keras


class TrainingInterrupted(Exception):
    """`fit` stopped because the process received `signum` (SIGINT or SIGTERM)."""

    def __init__(self, signum: int):
        self.signum = int(signum)
        self.signal_name = signal.Signals(signum).name
        #: The shell's convention for a process ended by a signal: 130 SIGINT, 143 SIGTERM.
        self.exit_code = 128 + self.signum
        super().__init__(f"training stopped by {self.signal_name}")


class StopOnSignal(keras.callbacks.Callback):
    """Handles SIGINT and SIGTERM during `fit`: the model stops at the next batch end and the
    callback raises `TrainingInterrupted` there.

    The handlers are installed at `on_train_begin` (from the main thread only; Python
    delivers signals nowhere else) and the previous ones put back at `on_train_end`, when
    it raises, and on leaving a `with` block around `fit`, which is the way to have them put
    back even when `fit` ends with another error (and to hear of a signal that came after an
    epoch's last batch). A signal whose previous handler ignores it
    (`SIG_IGN`, as for a background job of a non-interactive shell) stays ignored.

    Args:
        signals: the signals to handle.
    """

    def __init__(self, signals: Sequence[int] = (signal.SIGINT, signal.SIGTERM)):
        super().__init__()
        self.signals = tuple(signals)
        self.received: Optional[int] = None
        self._previous: dict = {}

    def on_train_begin(self, logs=None):
        self.received = None
        if threading.current_thread() is not threading.main_thread() or self._previous:
            return
        for signum in self.signals:
            previous = signal.getsignal(signum)
            if previous is not signal.SIG_IGN:
                self._previous[signum] = signal.signal(signum, self._record)

    def _record(self, signum, frame):
        self.received = signum
        if self.model is not None:
            self.model.stop_training = True

    def on_train_batch_end(self, batch, logs=None):
        if self.received is not None:
            self.restore()
            raise TrainingInterrupted(self.received)

    def on_train_end(self, logs=None):
        self.restore()

    def restore(self) -> None:
        """Puts the handlers that were there before `fit` back (idempotent)."""
        for signum, previous in self._previous.items():
            # None: a handler not set from Python; the default is the closest there is.
            signal.signal(signum, signal.SIG_DFL if previous is None else previous)
        self._previous = {}

    def __enter__(self) -> "StopOnSignal":
        return self

    def __exit__(self, exc_type, exc_value, traceback) -> None:
        """Puts the handlers back; a signal that came after an epoch's last batch (Keras then
        stops after that epoch and `fit` returns) still ends the block with
        `TrainingInterrupted`, so the run stops as for one that came mid-epoch."""
        self.restore()
        if exc_type is None and self.received is not None:
            raise TrainingInterrupted(self.received)

"""Hyper-parameter sweeps on Optuna: each trial is a `keras-gmgan fit` run in a subprocess.

A sweep folder holds `sweep.json` (what is searched), `study.sqlite3` (the Optuna study,
unless `storage` names another database), `trial-NNNN/` (one ordinary run directory per
trial), `logs/trial-NNNN.log` (each fit's output) and, at the end, `best.json`,
`trials.csv` and `plots/`.

Why subprocesses: a trial that crashes (or runs out of memory) takes only its own process
down, every trial starts from a clean Keras session, and the trial is exactly the run that
`keras-gmgan fit` with the same options makes. The sweep process never imports Keras.

Pruning: while a fit runs, the sweep reads the evaluations it has recorded (the
`--eval-every` ones, saved at each epoch end, then results.json), reports each new one to
the Optuna trial and stops the fit (SIGTERM, then SIGKILL) when the pruner says so.

Several workers (processes or machines) may share one study through `storage`: trial
numbers come from the database, and workers sharing one sweep folder claim trials under a
file lock so that the study ends with exactly `trials` counted trials. A trial left RUNNING
by a worker that died (a dead process on this host, or a stale Optuna heartbeat from another
host) is marked failed and queued again with the same parameters.
"""

import contextlib
import fcntl
import json
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Optional, Sequence

from keras_gmgan.runs import EVALUATION_FILE, RESULTS_FILE

#: Where `keras-gmgan fit` keeps the evaluations of finished epochs while it runs
#: (`keras_gmgan.callbacks.run_records.RECORDS_FILE`; spelled out so this process imports no Keras).
RECORDS_FILE = "checkpoint_records.json"
SWEEP_FILE = "sweep.json"
STUDY_FILE = "study.sqlite3"
LOCK_FILE = ".sweep.lock"
#: Keys of results.json (and of the records file) holding step-indexed evaluations.
EVALUATION_KEYS = ("evaluations", "mode_evaluations")
#: Optuna heartbeat of a running trial, so workers elsewhere can tell a dead one.
HEARTBEAT_SECONDS = 10
GRACE_SECONDS = 60
IMAGE_DATASETS = ("mnist", "fashion_mnist")
MIXTURE_DATASETS = ("ring", "grid", "two_modes")


class SweepError(ValueError):
    """A sweep that cannot start as asked; the message names the problem and the fix."""


@dataclass(frozen=True)
class Objective:
    """What a sweep optimises.

    Attributes:
        name: the `--objective` choice.
        direction: "minimize" or "maximize" (the default `--direction`).
        key: the metric's name in results.json, evaluation.json and the evaluation records.
        datasets: the data sets it is measured on (None: any).
        model: the only model it applies to (None: any generative model).
    """

    name: str
    direction: str
    key: str
    datasets: Optional[tuple] = None
    model: Optional[str] = None


OBJECTIVES = {
    objective.name: objective
    for objective in (
        Objective("fid", "minimize", "fid", IMAGE_DATASETS),
        Objective("precision", "maximize", "precision", IMAGE_DATASETS),
        Objective("recall", "maximize", "recall", IMAGE_DATASETS),
        Objective("coverage", "maximize", "coverage", IMAGE_DATASETS),
        Objective("balance", "minimize", "class_share_ratio", IMAGE_DATASETS),
        Objective("accuracy", "maximize", "test_accuracy", model="sgan"),
        Objective("modes", "maximize", "modes_captured", MIXTURE_DATASETS),
        Objective("high-quality", "maximize", "high_quality", MIXTURE_DATASETS),
        Objective("reverse-kl", "minimize", "reverse_kl", MIXTURE_DATASETS),
    )
}


def check_objective(name: str, model: str, dataset: str) -> Objective:
    """The objective, checked to be measurable for this model and data set."""
    objective = OBJECTIVES[name]
    if objective.model is not None and model != objective.model:
        raise SweepError(
            f"--objective {name} is the test accuracy of --model {objective.model}; "
            f"--model {model} has none. Choose another --objective."
        )
    if objective.model is None and model in ("sgan", "cnn-baseline"):
        raise SweepError(
            f"--model {model} is scored by its test accuracy: use --objective accuracy"
            + (" with --model sgan." if model != "sgan" else ".")
        )
    if objective.datasets is not None and dataset not in objective.datasets:
        raise SweepError(
            f"--objective {name} is measured on {' and '.join(objective.datasets)}; this sweep "
            f"trains on {dataset}. Choose "
            + (
                "--objective modes, high-quality or reverse-kl."
                if dataset in MIXTURE_DATASETS
                else "a data set with a feature extractor (--dataset mnist or fashion_mnist)."
            )
        )
    return objective


@dataclass(frozen=True)
class SearchParam:
    """One searched `fit` option: a numeric range or a list of choices.

    Attributes:
        name: the fit option's name with underscores (`gp_weight`).
        low, high: the range (None for choices).
        log: sample the range on a log scale.
        integer: sample integers.
        choices: the values (as typed) of a categorical parameter.
        flag: the option is an on/off flag; its choices are "true"/"false".
    """

    name: str
    low: Optional[float] = None
    high: Optional[float] = None
    log: bool = False
    integer: bool = False
    choices: tuple = ()
    flag: bool = False

    @property
    def flag_name(self) -> str:
        return "--" + self.name.replace("_", "-")

    def suggest(self, trial):
        """The trial's value, drawn by Optuna (or fixed, for a queued retry)."""
        if self.choices:
            return trial.suggest_categorical(self.name, list(self.choices))
        if self.integer:
            return trial.suggest_int(self.name, int(self.low), int(self.high), log=self.log)
        return trial.suggest_float(self.name, self.low, self.high, log=self.log)

    def fit_args(self, value) -> list:
        """The `fit` arguments that set this value."""
        if self.flag:
            return [self.flag_name] if str(value).lower() in ("true", "1", "yes", "on") else []
        return [self.flag_name, str(value)]

    def corners(self) -> list:
        """Values that together exercise every bound or choice, for checking up front."""
        if self.choices:
            return list(self.choices)
        if self.integer:
            return [int(self.low), int(self.high)]
        return [self.low, self.high]


def parse_param(text: str, kind_of: Callable[[str], str]) -> SearchParam:
    """Parses `NAME=LOW:HIGH[:log|:int]` or `NAME=a,b,c`.

    `kind_of(name)` says what sort of fit option `name` is ("int", "float", "choice" or
    "flag") and raises SweepError for a name that is no searchable fit option.
    """
    name, equals, values = text.partition("=")
    name = name.strip().lstrip("-").replace("-", "_")
    if not equals or not name or not values.strip():
        raise SweepError(
            f"--param {text!r}: write NAME=LOW:HIGH[:log|:int] or NAME=a,b,c "
            "(e.g. --param lr=5e-5:5e-4:log)."
        )
    kind = kind_of(name)
    if ":" in values:
        if kind in ("choice", "flag"):
            raise SweepError(
                f"--param {text}: --{name.replace('_', '-')} takes "
                f"{'on/off' if kind == 'flag' else 'named choices'}, not a range; list "
                f"them, e.g. {name}={'true,false' if kind == 'flag' else 'a,b'}."
            )
        return _parse_range(text, name, values, kind)
    choices = tuple(value.strip() for value in values.split(","))
    if len(choices) < 2 or not all(choices) or len(set(choices)) < len(choices):
        raise SweepError(
            f"--param {text}: give two or more different values (NAME=a,b,c) or a range "
            "(NAME=LOW:HIGH)."
        )
    if kind == "flag" and not set(c.lower() for c in choices) <= {"true", "false"}:
        raise SweepError(f"--param {text}: a flag is searched as {name}=true,false.")
    return SearchParam(name, choices=choices, flag=kind == "flag")


def _parse_range(text: str, name: str, values: str, kind: str) -> SearchParam:
    parts = values.split(":")
    scale = parts[2].strip() if len(parts) == 3 else ""
    if len(parts) not in (2, 3) or scale not in ("", "log", "int"):
        raise SweepError(f"--param {text}: a range is LOW:HIGH, LOW:HIGH:log or LOW:HIGH:int.")
    try:
        low, high = float(parts[0]), float(parts[1])
    except ValueError:
        raise SweepError(
            f"--param {text}: the bounds must be numbers (e.g. {name}=0.1:5)."
        ) from None
    if not (math.isfinite(low) and math.isfinite(high)):
        raise SweepError(f"--param {text}: the bounds must be finite numbers.")
    if low == high:
        raise SweepError(
            f"--param {text}: the range is empty; give LOW < HIGH, or set --{name} "
            "as a fixed fit option instead."
        )
    if low > high:
        raise SweepError(f"--param {text}: LOW is above HIGH; write {name}={parts[1]}:{parts[0]}.")
    integer = kind == "int" or scale == "int"
    if scale == "int" and kind != "int":
        raise SweepError(f"--param {text}: --{name} takes real numbers; drop :int.")
    if integer and not (low.is_integer() and high.is_integer()):
        raise SweepError(f"--param {text}: --{name} takes whole numbers; give integer bounds.")
    if scale == "log" and low <= 0:
        raise SweepError(f"--param {text}: a log range needs LOW > 0; raise LOW or drop :log.")
    return SearchParam(name, low=low, high=high, log=scale == "log", integer=integer)


@dataclass
class SweepSpec:
    """Everything a sweep needs; what `sweep.json` records (but `trials`, which may grow).

    Attributes:
        folder: the sweep folder.
        model: fit's `--model`.
        params: the searched options.
        fit_args: the other fit arguments, passed on unchanged (e.g. ["--epochs", "10"]).
        objective: an `OBJECTIVES` name.
        direction: "minimize" or "maximize".
        trials: trials the study should end with (all workers together).
        seed: seed of the sampler and of every trial's fit.
        storage: Optuna database URL (None: sqlite in the folder).
        study_name: (None: the folder's name).
        pruner: "median" or "none".
        eval_samples: samples of the evaluation run after fit when results.json lacks the
            objective (coverage, balance, or fid without --eval-every).
    """

    folder: Path
    model: str
    params: list
    fit_args: list
    objective: str
    direction: str
    trials: int
    seed: int = 0
    storage: Optional[str] = None
    study_name: Optional[str] = None
    pruner: str = "median"
    eval_samples: int = 2000
    param_texts: list = field(default_factory=list)

    @property
    def storage_url(self) -> str:
        return self.storage or f"sqlite:///{(Path(self.folder) / STUDY_FILE).resolve()}"

    @property
    def name(self) -> str:
        return self.study_name or Path(self.folder).resolve().name

    def recorded(self) -> dict:
        """What must stay the same for a rerun to continue this sweep (as JSON reads it)."""
        return json.loads(
            json.dumps(
                {
                    "model": self.model,
                    "params": [asdict(param) for param in self.params],
                    "fit_args": list(self.fit_args),
                    "objective": self.objective,
                    "direction": self.direction,
                    "seed": self.seed,
                    "pruner": self.pruner,
                    "study_name": self.name,
                }
            )
        )


def _hide_password(url: str) -> str:
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1] if "@" in url else url


def open_study(spec: SweepSpec, pruner=None):
    """Creates or loads the study; an unreachable storage raises SweepError (one line)."""
    import optuna
    from optuna.storages import RDBStorage, RetryHeartbeatStaleTrialCallback

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    url = spec.storage_url
    engine_kwargs = {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            storage = RDBStorage(
                url,
                engine_kwargs=engine_kwargs,
                heartbeat_interval=HEARTBEAT_SECONDS,
                grace_period=GRACE_SECONDS,
                heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback(),
            )
        if pruner is None:
            pruner = (
                optuna.pruners.MedianPruner()
                if spec.pruner == "median"
                else optuna.pruners.NopPruner()
            )
        return optuna.create_study(
            storage=storage,
            study_name=spec.name,
            direction=spec.direction,
            sampler=optuna.samplers.TPESampler(seed=spec.seed),
            pruner=pruner,
            load_if_exists=True,
        )
    except (ImportError, ValueError, OSError) as error:
        raise _storage_error(url, error) from None
    except Exception as error:  # sqlalchemy's errors: no driver, no server, no file
        if type(error).__module__.startswith(("sqlalchemy", "optuna")):
            raise _storage_error(url, error) from None
        raise


def _storage_error(url: str, error: Exception) -> SweepError:
    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return SweepError(
        f"Cannot open the study storage {_hide_password(url)}: {reason}. Check the URL "
        "(e.g. sqlite:///path/study.sqlite3, postgresql://user@host/db) and that the "
        "database and its Python driver are available."
    )


def prepare_folder(spec: SweepSpec) -> None:
    """Creates the sweep folder with sweep.json, or checks that an existing one holds this
    very sweep (a rerun continues it)."""
    folder = Path(spec.folder)
    path = folder / SWEEP_FILE
    if folder.exists() and not folder.is_dir():
        raise SweepError(f"--out {folder} is a file; give a folder for the sweep.")
    if path.is_file():
        try:
            saved = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as error:
            raise SweepError(f"{path} cannot be read ({error}); choose another --out.") from None
        wanted = spec.recorded()
        differing = sorted(k for k in wanted if saved.get(k) != wanted[k])
        if differing:
            raise SweepError(
                f"{folder} holds a sweep with other {', '.join(differing)}; rerun it with "
                "the same options to continue it, or choose another --out."
            )
        return
    _refuse_foreign_folder(folder)
    folder.mkdir(parents=True, exist_ok=True)
    from keras_gmgan.runs import write_json_atomic

    write_json_atomic(path, spec.recorded())


def _refuse_foreign_folder(folder: Path) -> None:
    """A folder of other files (no sweep.json) is never written into."""
    if (
        folder.is_dir()
        and not (folder / SWEEP_FILE).exists()
        and any(p.name != LOCK_FILE for p in folder.iterdir())
    ):
        raise SweepError(
            f"{folder} exists and holds no {SWEEP_FILE}: it is not a sweep folder. Choose "
            "another --out."
        )


def start_sweep(spec: SweepSpec, pruner=None):
    """Makes (or checks) the sweep folder and creates (or loads) the study: the study for
    `SweepRunner`. Workers starting together in one folder take turns, so one creates and
    the others load; a sweep that cannot start leaves no folder it made behind."""
    import shutil

    folder = Path(spec.folder)
    if folder.exists() and not folder.is_dir():
        raise SweepError(f"--out {folder} is a file; give a folder for the sweep.")
    _refuse_foreign_folder(folder)
    existed = folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with _claim_lock(folder):
            prepare_folder(spec)
            return open_study(spec, pruner)
    except BaseException:
        if not existed:
            shutil.rmtree(folder, ignore_errors=True)
        raise


@contextlib.contextmanager
def _claim_lock(folder: Path):
    """Serialises starting a sweep, and "count the trials, then ask for one", between
    workers of one folder."""
    with open(Path(folder) / LOCK_FILE, "a") as stream:
        fcntl.flock(stream, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(stream, fcntl.LOCK_UN)


def counted_trials(study) -> int:
    """Trials that count towards `--trials`: those started, but failed trials that were queued
    again. A queued retry (WAITING) counts once a worker claims it, so a sweep killed during
    its last trial runs that trial again when it continues."""
    from optuna.trial import TrialState

    trials = study.get_trials(deepcopy=False)
    retried = {n for t in trials for n in t.system_attrs.get("retry_history", [])}
    return sum(
        1
        for t in trials
        if t.state != TrialState.WAITING and (t.state != TrialState.FAIL or t.number not in retried)
    )


@contextlib.contextmanager
def _heartbeat(study, trial):
    """Records the trial's Optuna heartbeat every HEARTBEAT_SECONDS while it trains and is
    evaluated, so workers elsewhere can tell it from one whose worker died (what
    `Study.optimize` does for its own trials)."""
    stop = threading.Event()

    def beat():
        while not stop.wait(HEARTBEAT_SECONDS):
            study._storage.record_heartbeat(trial._trial_id)

    study._storage.record_heartbeat(trial._trial_id)
    thread = threading.Thread(target=beat, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def retry_dead_trials(study) -> list:
    """Marks failed, and queues again, the RUNNING trials whose worker is gone: a dead
    process on this host now, or (Optuna's heartbeat) a silent worker elsewhere."""
    import optuna
    from optuna.storages import RetryHeartbeatStaleTrialCallback, fail_stale_trials
    from optuna.trial import TrialState

    host, retried = socket.gethostname(), []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        attrs = trial.user_attrs
        if attrs.get("host") != host or attrs.get("pid") is None or _process_alive(attrs["pid"]):
            continue
        try:
            study.tell(trial.number, state=TrialState.FAIL)
        except (RuntimeError, ValueError):
            continue  # another worker got there first
        RetryHeartbeatStaleTrialCallback()(study, study.get_trials(deepcopy=True)[trial.number])
        retried.append(trial.number)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        fail_stale_trials(study)
    return retried


def _read_json(path: Path) -> Optional[dict]:
    try:
        payload = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None  # not there yet, or caught mid-rename
    return payload if isinstance(payload, dict) else None


def read_evaluations(run_dir: Path, key: str) -> list:
    """[(step, value)] of metric `key` in the run's evaluations so far: results.json once
    the run has finished, else the records fit saves at each epoch end."""
    results = _read_json(Path(run_dir) / RESULTS_FILE)
    source = (
        results
        if results is not None
        else ((_read_json(Path(run_dir) / RECORDS_FILE) or {}).get("records", {}))
    )
    found = {}
    for section in EVALUATION_KEYS:
        for record in source.get(section) or []:
            value = record.get(key)
            if isinstance(value, (int, float)) and "step" in record:
                found[int(record["step"])] = float(value)
    return sorted(found.items())


def class_balance(histogram: Sequence[float]) -> float:
    """Largest class share over the smallest (1 is perfectly balanced; inf if a class is
    missing), from `keras_gmgan.metrics.class_histogram`."""
    shares = [float(v) for v in histogram]
    return math.inf if min(shares) <= 0 else max(shares) / min(shares)


def objective_value(objective: Objective, results: dict, evaluation: Optional[dict]):
    """The objective from a finished run's results.json (its final evaluation), else from
    the evaluation.json that `keras-gmgan evaluate` wrote; None if neither has it."""
    sections = [results.get("evaluation") or {}, results.get("modes") or {}, results]
    if evaluation is not None:
        sections.append(evaluation)
    for section in sections:
        value = section.get(objective.key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    if objective.name == "balance" and evaluation and evaluation.get("class_histogram"):
        return class_balance(evaluation["class_histogram"])
    return None


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the sweep process dies (Linux), so a killed sweep
    leaves no orphan fit training on."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def stop_process(process: subprocess.Popen, grace: float = 30.0) -> None:
    """SIGTERM, then SIGKILL if the process has not ended within `grace` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _cli_command(*args) -> list:
    return [sys.executable, "-m", "keras_gmgan.cli.main", *map(str, args)]


class SweepRunner:
    """Runs a sweep's trials until the study holds `spec.trials` of them.

    Args:
        spec: the sweep.
        study: from `open_study`.
        echo: where progress lines go (one per trial).
        poll_seconds: how often a running fit's evaluations are read.
        stop_grace: seconds a pruned fit gets to end after SIGTERM before SIGKILL.
    """

    def __init__(self, spec: SweepSpec, study, echo=print, poll_seconds=1.0, stop_grace=30.0):
        self.spec = spec
        self.study = study
        self.echo = echo
        self.poll_seconds = poll_seconds
        self.stop_grace = stop_grace
        self.objective = OBJECTIVES[spec.objective]
        self.folder = Path(spec.folder)

    def run(self) -> int:
        """Runs trials until enough are counted; returns how many this worker ran."""
        # The heartbeat is recorded by the polling loop, not by Study.optimize.
        warnings.filterwarnings("ignore", message="Heartbeat of storage is supposed")
        ran = 0
        while True:
            claimed = self._claim()
            if claimed is None:
                return ran
            self._run_trial(*claimed)
            ran += 1

    def _claim(self):
        """Asks for the next trial, or None once the study has enough."""
        import optuna

        with _claim_lock(self.folder):
            for number in retry_dead_trials(self.study):
                self.echo(f"trial {number}: its worker died; queued again.")
            if counted_trials(self.study) >= self.spec.trials:
                return None
            trial = self.study.ask()
            # Each trial's draws depend on the seed and its number only, so workers that
            # share a study and a seed still draw different parameters.
            self.study.sampler = optuna.samplers.TPESampler(
                seed=self.spec.seed * 100_003 + trial.number
            )
            values = {param.name: param.suggest(trial) for param in self.spec.params}
            run_dir = self.folder / f"trial-{trial.number:04d}"
            for key, value in (
                ("host", socket.gethostname()),
                ("pid", os.getpid()),
                ("run_dir", str(run_dir)),
            ):
                trial.set_user_attr(key, value)
        return trial, values

    def fit_command(self, values: dict, run_dir: Path) -> list:
        args = ["fit", "--model", self.spec.model, *self.spec.fit_args]
        for param in self.spec.params:
            args += param.fit_args(values[param.name])
        if "--verbose" not in self.spec.fit_args:
            args += ["--verbose", "2"]
        return _cli_command(*args, "--seed", self.spec.seed, "--out", run_dir)

    def _run_trial(self, trial, values: dict) -> None:
        with _heartbeat(self.study, trial):
            self._train_and_tell(trial, values)

    def _train_and_tell(self, trial, values: dict) -> None:
        from optuna.trial import TrialState

        run_dir = Path(trial.user_attrs["run_dir"])
        logs = self.folder / "logs"
        logs.mkdir(exist_ok=True)
        log_path = logs / f"{run_dir.name}.log"
        command = self.fit_command(values, run_dir)
        shown = " ".join(f"{k}={v}" for k, v in values.items())
        started = time.time()
        with open(log_path, "w") as log:
            log.write(" ".join(map(str, command)) + "\n")
            log.flush()
            process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            )
            trial.set_user_attr("fit_pid", process.pid)
            try:
                pruned_at = self._watch(trial, process, run_dir)
            except BaseException:
                stop_process(process, self.stop_grace)
                self.study.tell(trial, state=TrialState.FAIL)
                frozen = self.study.get_trials(deepcopy=True)[trial.number]
                from optuna.storages import RetryHeartbeatStaleTrialCallback

                RetryHeartbeatStaleTrialCallback()(self.study, frozen)
                raise
        seconds = time.time() - started
        trial.set_user_attr("seconds", round(seconds, 1))
        if pruned_at is not None:
            self.study.tell(trial, state=TrialState.PRUNED)
            self.echo(
                f"trial {trial.number}: {shown}: pruned at step {pruned_at} ({seconds:.0f} s)"
            )
            return
        if process.returncode != 0:
            reason = _last_line(log_path)
            trial.set_user_attr("error", reason)
            self.study.tell(trial, state=TrialState.FAIL)
            self.echo(f"trial {trial.number}: {shown}: fit failed ({reason}); see {log_path}")
            return
        value = self._final_value(run_dir, log_path)
        if value is None:
            reason = f"no {self.objective.key} in its results"
            trial.set_user_attr("error", reason)
            self.study.tell(trial, state=TrialState.FAIL)
            self.echo(f"trial {trial.number}: {shown}: {reason}; see {log_path}")
            return
        self.study.tell(trial, value)
        self.echo(
            f"trial {trial.number}: {shown}: {self.spec.objective} {value:.4g} ({seconds:.0f} s)"
        )

    def _watch(self, trial, process, run_dir: Path) -> Optional[int]:
        """Waits for the fit, reporting its evaluations; returns the step it was pruned at."""
        reported = set()
        while True:
            finished = process.poll() is not None
            for step, value in read_evaluations(run_dir, self.objective.key):
                if step in reported:
                    continue
                trial.report(value, step)
                reported.add(step)
                if not finished and trial.should_prune():
                    stop_process(process, self.stop_grace)
                    return step
            if finished:
                return None
            time.sleep(self.poll_seconds)

    def _final_value(self, run_dir: Path, log_path: Path) -> Optional[float]:
        results = _read_json(run_dir / RESULTS_FILE) or {}
        value = objective_value(self.objective, results, None)
        if value is not None:
            return value
        # coverage, balance, or fid without --eval-every: a full evaluation of the run.
        command = _cli_command(
            "evaluate", run_dir, "--n", self.spec.eval_samples, "--seed", self.spec.seed
        )
        with open(log_path, "a") as log:
            subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        return objective_value(self.objective, results, _read_json(run_dir / EVALUATION_FILE))


def _last_line(path: Path) -> str:
    lines = [line.strip() for line in Path(path).read_text(errors="replace").splitlines()]
    lines = [line for line in lines if line]
    return lines[-1][:300] if lines else "no output"

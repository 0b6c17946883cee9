"""The end of a sweep: best.json, trials.csv and plots/ (Optuna's matplotlib plots).

Every worker of a study writes them when it runs out of trials, so each file is written
to a temporary name and renamed: two workers finishing together never mix their files.
"""

import contextlib
import csv
import os
import warnings
from pathlib import Path

from keras_gmgan.sweeps import SweepSpec


@contextlib.contextmanager
def _replaced(path: Path):
    """A temporary path renamed onto `path` at the end, so workers finishing at the same
    time never leave a file half-written by two of them."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_report(study, spec: SweepSpec) -> dict:
    """Writes best.json, trials.csv and plots/ into the sweep folder; returns best.json."""
    from optuna.trial import TrialState

    from keras_gmgan.runs import write_json_atomic

    folder = Path(spec.folder)
    trials = study.get_trials(deepcopy=False)
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    best = {
        "objective": spec.objective,
        "direction": spec.direction,
        "trials": {
            state.name.lower(): sum(t.state == state for t in trials) for state in TrialState
        },
    }
    if complete:
        trial = study.best_trial
        best.update(
            number=trial.number,
            value=trial.value,
            params=trial.params,
            run_dir=trial.user_attrs.get("run_dir"),
        )
    write_json_atomic(folder / "best.json", best)
    _write_trials_csv(trials, spec, folder / "trials.csv")
    best["plots"] = write_plots(study, spec, folder / "plots")
    return best


def _write_trials_csv(trials, spec: SweepSpec, path: Path) -> None:
    names = [param.name for param in spec.params]
    columns = [
        "number",
        "state",
        spec.objective,
        *names,
        "last_step",
        "seconds",
        "run_dir",
        "error",
    ]
    with _replaced(path) as temporary, open(temporary, "w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(columns)
        for t in trials:
            steps = sorted(t.intermediate_values)
            writer.writerow(
                [t.number, t.state.name, "" if t.value is None else t.value]
                + [t.params.get(name, "") for name in names]
                + [
                    steps[-1] if steps else "",
                    t.user_attrs.get("seconds", ""),
                    t.user_attrs.get("run_dir", ""),
                    t.user_attrs.get("error", ""),
                ]
            )


def write_plots(study, spec: SweepSpec, folder: Path) -> dict:
    """objective.png (per trial), importances.png and slice_<param>.png, with Optuna's
    matplotlib plots; {plot: path or the reason it was left out}."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from optuna.trial import TrialState
    from optuna.visualization import matplotlib as optuna_plots

    folder.mkdir(parents=True, exist_ok=True)
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    written = {}
    if not complete:
        return {"all": "no trial has finished"}
    varied = [p.name for p in spec.params if len({t.params.get(p.name) for t in complete}) > 1]
    plots = {"objective": lambda: optuna_plots.plot_optimization_history(study)}
    if len(complete) >= 2 and varied:
        plots["importances"] = lambda: optuna_plots.plot_param_importances(study, params=varied)
    else:
        written["importances"] = "needs at least 2 finished trials with varied parameters"
    for param in spec.params:
        plots[f"slice_{param.name}"] = lambda name=param.name: optuna_plots.plot_slice(
            study, params=[name]
        )
    for name, draw in plots.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # experimental APIs, degenerate axes of few trials
            try:
                axes = draw()
            except (ValueError, RuntimeError, ZeroDivisionError) as error:
                written[name] = f"not drawn: {error}"
                continue
        figure = (axes.flat[0] if hasattr(axes, "flat") else axes).figure
        path = folder / f"{name}.png"
        with _replaced(path) as temporary:
            figure.savefig(temporary, dpi=100, bbox_inches="tight", format="png")
        plt.close(figure)
        written[name] = str(path)
    return written

"""Comparing run directories: curves overlaid against the training step, a table of finals.

`keras-gmgan compare RUN... | SWEEP_DIR` is a thin layer over this module. A run is what
`keras-gmgan fit` writes (config.json and history.csv; results.json once it has finished, so
an interrupted or pruned sweep trial still compares by its logged epochs). Runs are labelled
by the options that differ between their config.json files, which is what a reader of an
overlay wants to know.
"""

import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional, Sequence

from keras_gmgan.runs import CONFIG_FILE, EVALUATION_FILE, HISTORY_FILE, RESULTS_FILE

#: Options that say where or how verbosely a run was made, not what it trained.
NOT_COMPARED = frozenset({"out", "overwrite", "verbose", "resume", "data"})
#: Keys of results.json holding lists of {"step": ..., metric: ...} evaluations.
EVALUATION_KEYS = ("evaluations", "mode_evaluations")
#: Keys of results.json whose numbers are final figures of the run.
FINAL_SECTIONS = ("final", "evaluation", "modes")
#: Scalars of results.json worth a column beside the finals.
RESULT_SCALARS = ("epochs", "steps", "train_seconds", "test_accuracy")


class NotARunError(ValueError):
    """A path given to compare is neither a run directory nor a folder of runs."""


@dataclass
class RunRecord:
    """One run directory as compare reads it.

    Attributes:
        path: the run directory.
        options: config.json's options.
        history: history.csv as {column: [float per epoch]} (NaN where a cell is empty).
        results: results.json, or {} for a run that has not finished.
        evaluation: evaluation.json (written by `keras-gmgan evaluate`), or {}.
        label: what sets this run apart from the others (`label_runs`).
    """

    path: Path
    options: dict
    history: dict
    results: dict = field(default_factory=dict)
    evaluation: dict = field(default_factory=dict)
    label: str = ""

    @property
    def steps_per_epoch(self) -> Optional[float]:
        """Training steps per history.csv row, when the run says (None: unknown)."""
        epochs, steps = self.results.get("epochs"), self.results.get("steps")
        if epochs and steps:
            return steps / epochs
        return self.options.get("steps_per_epoch")

    def series(self) -> dict:
        """{metric: (steps, values)}: every history.csv column against the training step
        (the epoch when the step is unknown), with the step-indexed evaluations of
        results.json replacing the epoch-end columns of the same name."""
        per_epoch = self.steps_per_epoch or 1
        epochs = len(next(iter(self.history.values()), []))
        x = [per_epoch * (i + 1) for i in range(epochs)]
        found = {}
        for name, values in self.history.items():
            if name == "epoch":
                continue
            points = [(s, v) for s, v in zip(x, values) if not math.isnan(v)]
            if points:
                found[name] = tuple(zip(*points))
        for key in EVALUATION_KEYS:
            records = self.results.get(key) or []
            for name in {n for record in records for n in record if n != "step"}:
                points = [(r["step"], r[name]) for r in records if _is_number(r.get(name))]
                if points:
                    found[name] = tuple(zip(*points))
        return found

    def finals(self) -> dict:
        """The run's final figures: last losses, last evaluation, test accuracy, ...;
        for an unfinished run, its last history.csv row."""
        row = {}
        if not self.results:
            row.update({k: v[-1] for k, v in self.history.items() if k != "epoch" and v})
            row["epochs"] = len(next(iter(self.history.values()), []))
            row["finished"] = False
        for section in FINAL_SECTIONS:
            for name, value in (self.results.get(section) or {}).items():
                if _is_number(value) and name != "step":
                    row[name] = value
        for name in RESULT_SCALARS:
            if _is_number(self.results.get(name)):
                row[name] = self.results[name]
        for name, value in self.evaluation.items():
            if _is_number(value) and name not in ("seed", "seconds") and name not in row:
                row[name] = value
        return row


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _read_json(path: Path) -> dict:
    if not path.is_file():
        return {}
    try:
        payload = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise NotARunError(f"{path} cannot be read ({error}); it is not a run's file.") from None
    return payload if isinstance(payload, dict) else {}


def read_history(path: Path) -> dict:
    """history.csv as {column: [float, ...]}; empty or "NA" cells are NaN."""
    with open(path, newline="") as stream:
        rows = list(csv.DictReader(stream))
    columns = list(rows[0]) if rows else []

    def number(text):
        try:
            return float(text)
        except (TypeError, ValueError):
            return math.nan

    return {column: [number(row.get(column)) for row in rows] for column in columns}


def load_run(path: Path) -> RunRecord:
    """Reads one run directory; raises NotARunError for anything else."""
    path = Path(path)
    config = _read_json(path / CONFIG_FILE)
    if not config or not (path / HISTORY_FILE).is_file():
        missing = CONFIG_FILE if not config else HISTORY_FILE
        raise NotARunError(
            f"{path} is not a keras-gmgan run (no {missing}); pass run directories written "
            "by `keras-gmgan fit`, or a folder of them such as a sweep folder."
        )
    return RunRecord(
        path=path,
        options=config.get("options", {}),
        history=read_history(path / HISTORY_FILE),
        results=_read_json(path / RESULTS_FILE),
        evaluation=_read_json(path / EVALUATION_FILE),
    )


def find_runs(paths: Iterable[Path]) -> list[RunRecord]:
    """The runs named by `paths`: run directories, or folders (a sweep folder) whose
    sub-folders are runs. Raises NotARunError naming the first path that is neither."""
    runs = []
    for path in map(Path, paths):
        if not path.is_dir():
            raise NotARunError(
                f"{path} is not a directory; pass keras-gmgan run directories or a sweep folder."
            )
        if (path / CONFIG_FILE).is_file():
            runs.append(load_run(path))
            continue
        inner = sorted(p for p in path.iterdir() if (p / CONFIG_FILE).is_file())
        if not inner:
            raise NotARunError(
                f"{path} is not a keras-gmgan run (no {CONFIG_FILE}) and holds none; pass run "
                "directories written by `keras-gmgan fit`, or a sweep folder."
            )
        runs.extend(load_run(p) for p in inner if (p / HISTORY_FILE).is_file())
    if not runs:
        raise NotARunError("No run has a history.csv yet: nothing to compare.")
    return runs


def _shown(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def label_runs(runs: Sequence[RunRecord]) -> list[str]:
    """Sets each run's `label` to the options that differ between the runs
    ("lr=0.0002, sigma=0.7"), or to its directory name when none differ (or one run)."""
    names = sorted({name for run in runs for name in run.options} - NOT_COMPARED)
    differing = [
        name for name in names if len({json.dumps(run.options.get(name)) for run in runs}) > 1
    ]
    for run in runs:
        shown = ", ".join(f"{name}={_shown(run.options.get(name))}" for name in differing)
        run.label = shown or run.path.name
    if len({run.label for run in runs}) < len(runs):  # same options: tell them apart by folder
        for run in runs:
            run.label = f"{run.path.name}: {run.label}" if run.label != run.path.name else run.label
    return [run.label for run in runs]


def plot_comparison(runs: Sequence[RunRecord], path: Path) -> list[str]:
    """One PNG, one subplot per logged metric, each run one line against the training step.
    Returns the metric names plotted."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = [run.series() for run in runs]
    metrics = sorted({name for found in series for name in found})
    columns = min(3, max(1, len(metrics)))
    rows = max(1, math.ceil(len(metrics) / columns))
    figure, axes = plt.subplots(rows, columns, figsize=(5 * columns, 3.2 * rows), squeeze=False)
    x_label = "step" if all(run.steps_per_epoch for run in runs) else "epoch"
    for axis, name in zip(axes.flat, metrics):
        for run, found in zip(runs, series):
            if name in found:
                axis.plot(*found[name], marker=".", label=run.label)
        axis.set_title(name)
        axis.set_xlabel(x_label)
        axis.grid(alpha=0.3)
    for axis in list(axes.flat)[len(metrics) :]:
        axis.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    if handles:
        figure.legend(handles, labels, loc="lower center", ncol=min(3, len(labels)), fontsize=8)
    figure.tight_layout(rect=(0, 0.04 + 0.03 * math.ceil(len(runs) / 3), 1, 1))
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return metrics


def final_table(runs: Sequence[RunRecord]) -> tuple[list[str], list[dict]]:
    """The columns and one row per run of the final-metrics table."""
    rows = [{"run": str(run.path), "label": run.label, **run.finals()} for run in runs]
    columns = ["run", "label"]
    for row in rows:
        columns += [name for name in row if name not in columns]
    return columns, rows


def write_tables(runs: Sequence[RunRecord], csv_path: Path, markdown_path: Path) -> None:
    """The final-metrics table as CSV and as a Markdown table."""
    columns, rows = final_table(runs)
    with open(csv_path, "w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(_shown(row.get(c, "")) for c in columns) + " |")
    Path(markdown_path).write_text("\n".join(lines) + "\n")


def summary_line(run: RunRecord, width: int = 0) -> str:
    """One terminal line: directory, label and the headline final figures."""
    finals = run.finals()
    shown = "  ".join(f"{k} {_shown(v)}" for k, v in finals.items() if k != "finished")
    state = "" if finals.get("finished", True) else "  (unfinished)"
    return f"{run.path.name:<{width}}  [{run.label}]  {shown}{state}"


def compare_runs(paths: Iterable[Path], out: Path) -> list[RunRecord]:
    """Reads the runs, labels them and writes `out/compare.png`, `compare.csv`, `compare.md`.

    Every path is read before anything is written, so a path that is not a run leaves
    nothing behind (NotARunError).
    """
    runs = find_runs(paths)
    label_runs(runs)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    plot_comparison(runs, out / "compare.png")
    write_tables(runs, out / "compare.csv", out / "compare.md")
    return runs

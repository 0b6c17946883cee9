"""`keras_gmgan.comparison` and `keras-gmgan compare`: fake run directories and a tiny run."""

import csv
import json

import pytest
from click.testing import CliRunner
from PIL import Image

from keras_gmgan.cli.main import cli
from keras_gmgan.comparison import NotARunError, find_runs, label_runs
from tests.conftest import BACKEND

#: The sweep and comparison logic is backend-free (trials are `fit` subprocesses, and `fit` is
#: tested on every backend), so these subprocess-heavy tests run in the JAX env only.
pytestmark = pytest.mark.skipif(BACKEND != "jax", reason="backend-free orchestration")


def fake_run(folder, options, losses, results=None):
    """A run directory as `fit` writes it: config.json, history.csv and maybe results.json."""
    folder.mkdir(parents=True)
    base = {"model": "gan", "dataset": "ring", "epochs": 2, "steps_per_epoch": 10,
            "out": str(folder), "verbose": 0}  # fmt: skip
    (folder / "config.json").write_text(json.dumps({"format": 1, "options": {**base, **options}}))
    lines = ["epoch,d_loss,g_loss,modes_captured"]
    lines += [f"{i},{d},{g},{i + 1}" for i, (d, g) in enumerate(losses)]
    (folder / "history.csv").write_text("\n".join(lines) + "\n")
    if results is not None:
        (folder / "results.json").write_text(json.dumps(results))
    return folder


@pytest.fixture
def two_runs(tmp_path):
    a = fake_run(tmp_path / "a", {"lr": 1e-4}, [(1.0, 2.0), (0.9, 1.8)],
                 {"epochs": 2, "steps": 20, "final": {"d_loss": 0.9, "g_loss": 1.8},
                  "modes": {"step": 20, "modes_captured": 7, "reverse_kl": 0.2},
                  "mode_evaluations": [{"step": 5, "modes_captured": 3},
                                       {"step": 20, "modes_captured": 7}]})  # fmt: skip
    b = fake_run(tmp_path / "b", {"lr": 2e-4}, [(1.1, 2.1)])  # unfinished: no results.json
    return a, b


def test_labels_name_only_the_options_that_differ(two_runs):
    runs = find_runs(two_runs)
    assert label_runs(runs) == ["lr=0.0001", "lr=0.0002"]


def test_series_are_against_the_step_with_evaluations_from_results(two_runs):
    runs = find_runs(two_runs)
    series = runs[0].series()
    assert series["d_loss"] == ((10.0, 20.0), (1.0, 0.9))
    assert series["modes_captured"] == ((5, 20), (3, 7))  # the step-indexed evaluations
    assert runs[1].series()["g_loss"] == ((10,), (2.1,))
    assert runs[1].finals() == {"d_loss": 1.1, "g_loss": 2.1,
                                "modes_captured": 1.0, "epochs": 1, "finished": False}  # fmt: skip


def test_compare_writes_a_plot_and_tables_and_one_line_per_run(two_runs, tmp_path):
    out = tmp_path / "cmp"
    result = CliRunner().invoke(cli, ["compare", *map(str, two_runs), "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 3 and lines[0].startswith("a") and "[lr=0.0001]" in lines[0]
    assert "modes_captured 7" in lines[0] and "(unfinished)" in lines[1]
    with open(out / "compare.csv", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [row["label"] for row in rows] == ["lr=0.0001", "lr=0.0002"]
    assert float(rows[0]["reverse_kl"]) == 0.2 and rows[1]["reverse_kl"] == ""
    markdown = (out / "compare.md").read_text().splitlines()
    assert markdown[0].startswith("| run | label |") and len(markdown) == 4
    width, height = Image.open(out / "compare.png").size
    assert width > 1000 and height > 300  # three subplots side by side


def test_a_sweep_folder_compares_its_trials(two_runs, tmp_path):
    (tmp_path / "study.sqlite3").write_text("")
    (tmp_path / "plots").mkdir()  # a folder that is no run is skipped inside a sweep folder
    runs = find_runs([tmp_path])
    assert [run.path.name for run in runs] == ["a", "b"]


@pytest.mark.parametrize("make", ["missing", "file", "empty", "no_history"])
def test_folders_that_are_not_runs_exit_with_one_line_and_write_nothing(tmp_path, make, two_runs):
    bad = tmp_path / "bad"
    if make == "file":
        bad.write_text("x")
    elif make == "empty":
        bad.mkdir()
    elif make == "no_history":
        bad.mkdir()
        (bad / "config.json").write_text(json.dumps({"format": 1, "options": {}}))
    out = tmp_path / "cmp"
    result = CliRunner().invoke(cli, ["compare", str(two_runs[0]), str(bad), "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert len(result.output.strip().splitlines()) == 1 and str(bad) in result.output
    assert "Traceback" not in result.output and not out.exists()
    with pytest.raises(NotARunError):
        find_runs([bad])


def test_compare_a_real_run_with_a_fake_one(tmp_path):
    real = tmp_path / "real"
    result = CliRunner().invoke(
        cli,
        ["fit", "--model", "gan", "--dataset", "ring", "--epochs", "2", "--steps-per-epoch", "4",
         "--eval-every", "2", "--eval-samples", "200", "--verbose", "0", "--out", str(real)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    fake = fake_run(tmp_path / "fake", {"lr": 1e-3, "epochs": 2, "steps_per_epoch": 4},
                    [(1.0, 2.0), (0.9, 1.8)])  # fmt: skip
    runs = find_runs([real, fake])
    labels = label_runs(runs)
    assert "lr=" in labels[0] and labels[0] != labels[1]
    series = runs[0].series()
    assert series["modes_captured"][0] == (2, 4, 6, 8)  # every --eval-every evaluation
    assert series["d_loss"][0] == (4.0, 8.0)
    out = tmp_path / "cmp"
    result = CliRunner().invoke(cli, ["compare", str(real), str(fake), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "compare.png").stat().st_size > 0

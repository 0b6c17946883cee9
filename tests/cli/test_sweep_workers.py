"""`keras-gmgan sweep` processes: two workers on one study, a killed sweep resumed, pruning."""

import json
import os
import signal
import subprocess
import time

import optuna
import pytest

from keras_gmgan import sweeps
from keras_gmgan.sweep_report import write_report
from tests.cli.test_sweep import ENV, _states, _study, _sweep_command
from tests.conftest import BACKEND

pytestmark = pytest.mark.skipif(BACKEND != "jax", reason="backend-free orchestration")


def test_two_workers_share_one_study_without_duplicating_trials(tmp_path):
    out = tmp_path / "sweep"
    command = _sweep_command(out, "--trials", 3)
    workers = [subprocess.Popen(command, env=ENV, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(2)]  # fmt: skip
    outputs = [worker.communicate(timeout=900) for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], outputs
    trials = _study(out).trials
    assert [t.state.name for t in trials] == ["COMPLETE"] * 3
    assert sorted(t.number for t in trials) == [0, 1, 2]
    assert len({t.user_attrs["run_dir"] for t in trials}) == 3
    assert len({t.user_attrs["pid"] for t in trials}) == 2  # both workers ran trials
    assert sorted(p.name for p in out.glob("trial-*")) == ["trial-0000", "trial-0001", "trial-0002"]


def test_a_killed_sweep_continues_and_retries_the_interrupted_trial(tmp_path):
    out = tmp_path / "sweep"
    command = _sweep_command(out, "--trials", 1)
    command[command.index("--epochs") + 1] = "30"  # long enough to be killed mid-trial
    sweep = subprocess.Popen(command, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    history = out / "trial-0000" / "history.csv"
    deadline = time.time() + 600
    while time.time() < deadline and sweep.poll() is None and not history.exists():
        time.sleep(0.1)
    assert sweep.poll() is None and history.exists(), sweep.stderr.read().decode()[-2000:]
    sweep.send_signal(signal.SIGKILL)
    sweep.wait()
    fit_pid = _study(out).trials[0].user_attrs["fit_pid"]
    for _ in range(100):  # the fit gets SIGTERM when the sweep dies
        try:
            os.kill(fit_pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        os.kill(fit_pid, signal.SIGKILL)
        pytest.fail("the fit outlived its sweep")
    assert _states(out) == ["RUNNING"]

    done = subprocess.run(command, env=ENV, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "trial 0: its worker died; queued again." in done.stdout
    trials = _study(out).trials
    assert [t.state.name for t in trials] == ["FAIL", "COMPLETE"]
    assert trials[1].params == trials[0].params  # the retry, with the same parameters
    assert trials[1].system_attrs["failed_trial"] == 0
    assert json.loads((out / "best.json").read_text())["trials"]["complete"] == 1


def test_a_trial_the_pruner_stops_is_pruned_and_its_fit_ended(tmp_path):
    out = tmp_path / "sweep"
    fit_args = ["--dataset", "ring", "--epochs", "200", "--steps-per-epoch", "2",
                "--batch-size", "32", "--eval-samples", "100"]  # fmt: skip
    spec = sweeps.SweepSpec(
        folder=out, model="gan", params=[sweeps.SearchParam("lr", 1e-4, 1e-3, log=True)],
        fit_args=fit_args, objective="modes", direction="maximize", trials=1,
    )  # fmt: skip
    # Deterministic: no ring run captures 100 modes, so the first report prunes the trial.
    study = sweeps.start_sweep(spec, pruner=optuna.pruners.ThresholdPruner(lower=100))
    lines = []
    sweeps.SweepRunner(spec, study, echo=lines.append, poll_seconds=0.2, stop_grace=20).run()
    trial = study.trials[0]
    assert trial.state == optuna.trial.TrialState.PRUNED, lines
    assert "pruned at step" in lines[0]
    run = out / "trial-0000"
    assert not (run / "results.json").exists() and not (run / "model.keras").exists()
    with open(run / "history.csv") as stream:
        assert len(stream.readlines()) - 1 < 200  # stopped long before its last epoch
    with pytest.raises(ProcessLookupError):
        os.kill(trial.user_attrs["fit_pid"], 0)
    best = write_report(study, spec)
    assert "number" not in best and best["trials"]["pruned"] == 1
    assert best["plots"] == {"all": "no trial has finished"}

"""`keras_gmgan.sweeps` without training: parameters, objectives, trial counting, evaluations."""

import json
import math
import os

import optuna
import pytest

from keras_gmgan import sweeps
from keras_gmgan.callbacks.run_records import RECORDS_FILE
from keras_gmgan.sweeps import SearchParam, SweepError, parse_param
from tests.conftest import BACKEND

#: The sweep and comparison logic is backend-free (trials are `fit` subprocesses, and `fit` is
#: tested on every backend), so these subprocess-heavy tests run in the JAX env only.
pytestmark = pytest.mark.skipif(BACKEND != "jax", reason="backend-free orchestration")


def kind_of(name):
    kinds = {"lr": "float", "c": "float", "components": "int", "network": "choice",
             "gif": "flag"}  # fmt: skip
    if name not in kinds:
        raise SweepError(f"no option {name}")
    return kinds[name]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("lr=1e-4:1e-3:log", SearchParam("lr", 1e-4, 1e-3, log=True)),
        ("c=0.1:5", SearchParam("c", 0.1, 5.0)),
        ("components=5:20", SearchParam("components", 5, 20, integer=True)),
        ("components=5:20:int", SearchParam("components", 5, 20, integer=True)),
        ("components=2:32:log", SearchParam("components", 2, 32, log=True, integer=True)),
        ("network=mlp,dcgan", SearchParam("network", choices=("mlp", "dcgan"))),
        ("components=5,10", SearchParam("components", choices=("5", "10"))),
        ("gif=true,false", SearchParam("gif", choices=("true", "false"), flag=True)),
    ],
)
def test_parse_param(text, expected):
    assert parse_param(text, kind_of) == expected


@pytest.mark.parametrize(
    "text, message",
    [
        ("lr", "write NAME=LOW:HIGH"),
        ("lr=", "write NAME=LOW:HIGH"),
        ("nope=1:2", "no option nope"),
        ("lr=1e-3:1e-3", "the range is empty"),
        ("lr=1e-3:1e-4", "LOW is above HIGH; write lr=1e-4:1e-3"),
        ("lr=a:b", "the bounds must be numbers"),
        ("lr=0:1:log", "a log range needs LOW > 0"),
        ("lr=1:2:cubic", "a range is LOW:HIGH"),
        ("lr=1:2:3:4", "a range is LOW:HIGH"),
        ("lr=1:inf", "finite"),
        ("lr=1e-4:1e-3:int", "takes real numbers; drop :int"),
        ("components=1.5:4", "takes whole numbers"),
        ("network=1:2", "takes named choices, not a range"),
        ("network=mlp", "give two or more different values"),
        ("network=mlp,mlp", "give two or more different values"),
        ("gif=yes,no", "a flag is searched as gif=true,false"),
    ],
)
def test_bad_params_name_the_problem_and_the_fix(text, message):
    with pytest.raises(SweepError, match=None) as error:
        parse_param(text, kind_of)
    assert message in str(error.value)


def test_params_suggest_and_become_fit_arguments():
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    trial = study.ask()
    lr = SearchParam("lr", 1e-4, 1e-3, log=True).suggest(trial)
    k = SearchParam("components", 5, 20, integer=True).suggest(trial)
    assert 1e-4 <= lr <= 1e-3 and isinstance(k, int) and 5 <= k <= 20
    assert SearchParam("gp_weight", 1, 2).fit_args(1.5) == ["--gp-weight", "1.5"]
    flag = SearchParam("gif", choices=("true", "false"), flag=True)
    assert flag.fit_args("true") == ["--gif"] and flag.fit_args("false") == []
    assert SearchParam("components", 5, 20, integer=True).corners() == [5, 20]


@pytest.mark.parametrize(
    "objective, model, dataset, message",
    [
        ("accuracy", "gan", "mnist", "--objective accuracy is the test accuracy of --model sgan"),
        ("fid", "sgan", "mnist", "use --objective accuracy"),
        ("fid", "gan", "ring", "--objective modes, high-quality or reverse-kl"),
        ("modes", "gan", "mnist", "is measured on ring and grid and two_modes"),
        ("fid", "gan", "digits", "a data set with a feature extractor"),
    ],
)
def test_objectives_that_cannot_be_measured_are_refused(objective, model, dataset, message):
    with pytest.raises(SweepError) as error:
        sweeps.check_objective(objective, model, dataset)
    assert message in str(error.value)


def test_objective_values_come_from_results_then_evaluation():
    fid, balance = sweeps.OBJECTIVES["fid"], sweeps.OBJECTIVES["balance"]
    results = {"evaluation": {"step": 10, "fid": 12.5}, "test_accuracy": 0.9}
    assert sweeps.objective_value(fid, results, None) == 12.5
    assert sweeps.objective_value(sweeps.OBJECTIVES["accuracy"], results, None) == 0.9
    assert sweeps.objective_value(sweeps.OBJECTIVES["modes"], {"modes": {"modes_captured": 7}},
                                  None) == 7  # fmt: skip
    assert sweeps.objective_value(balance, results, None) is None
    evaluation = {"class_histogram": [0.2, 0.1, 0.3, 0.4]}
    assert sweeps.objective_value(balance, results, evaluation) == pytest.approx(4.0)
    assert sweeps.class_balance([0.5, 0.5, 0.0]) == math.inf
    assert sweeps.objective_value(balance, {"evaluation": {"class_share_ratio": 1.5}}, None) == 1.5


def test_evaluations_are_read_from_the_records_then_results(tmp_path):
    assert sweeps.RECORDS_FILE == RECORDS_FILE  # the file fit writes at each epoch end
    assert sweeps.read_evaluations(tmp_path, "fid") == []
    records = {"records": {"evaluations": [{"step": 5, "fid": 30.0}, {"step": 10, "fid": 20.0}]}}
    (tmp_path / RECORDS_FILE).write_text(json.dumps(records))
    assert sweeps.read_evaluations(tmp_path, "fid") == [(5, 30.0), (10, 20.0)]
    (tmp_path / RECORDS_FILE).write_text('{"records": {"evalu')  # caught mid-write
    assert sweeps.read_evaluations(tmp_path, "fid") == []
    results = {"mode_evaluations": [{"step": 3, "modes_captured": 4}]}
    (tmp_path / "results.json").write_text(json.dumps(results))
    assert sweeps.read_evaluations(tmp_path, "modes_captured") == [(3, 4.0)]


def test_failed_trials_queued_again_do_not_count_nor_their_retries_until_they_start():
    study = optuna.create_study()
    study.tell(study.ask(), 1.0)
    study.tell(study.ask(), state=optuna.trial.TrialState.FAIL)  # a fit that failed: counts
    crashed = study.ask()
    crashed.suggest_float("x", 0, 1)
    study.tell(crashed, state=optuna.trial.TrialState.FAIL)
    optuna.storages.RetryHeartbeatStaleTrialCallback()(study, study.trials[crashed.number])
    assert [t.state.name for t in study.trials] == ["COMPLETE", "FAIL", "FAIL", "WAITING"]
    assert sweeps.counted_trials(study) == 2  # the retry is still to run
    assert study.trials[3].params == study.trials[2].params
    retry = study.ask()  # a worker claims the retry first
    assert retry.number == 3 and sweeps.counted_trials(study) == 3


def _running_trial(study, **attrs):
    trial = study.ask()
    trial.suggest_float("x", 0, 1)
    for key, value in attrs.items():
        trial.set_user_attr(key, value)
    return trial


def test_running_trials_of_dead_workers_are_failed_and_queued_again(tmp_path):
    import socket
    import subprocess
    import sys
    import time
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        storage = optuna.storages.RDBStorage(
            f"sqlite:///{tmp_path / 's.db'}", heartbeat_interval=1, grace_period=1,
            heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(),
        )  # fmt: skip
    study = optuna.create_study(storage=storage)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    here = socket.gethostname()
    dead = _running_trial(study, host=here, pid=gone.pid)  # a dead process on this host
    alive = _running_trial(study, host=here, pid=os.getpid())
    elsewhere = _running_trial(study, host="another-machine", pid=gone.pid)
    storage.record_heartbeat(elsewhere._trial_id)
    storage.record_heartbeat(alive._trial_id)
    assert sweeps.retry_dead_trials(study) == [dead.number]
    states = {t.number: t.state.name for t in study.trials}
    assert states[dead.number] == "FAIL" and states[alive.number] == "RUNNING"
    assert states[elsewhere.number] == "RUNNING"  # its heartbeat is fresh
    time.sleep(2.5)  # no heartbeat from the other machine for longer than the grace period
    storage.record_heartbeat(alive._trial_id)
    sweeps.retry_dead_trials(study)
    states = {t.number: t.state.name for t in study.trials}
    assert states[elsewhere.number] == "FAIL" and states[alive.number] == "RUNNING"
    waiting = [t for t in study.trials if t.state.name == "WAITING"]
    assert sorted(t.system_attrs["failed_trial"] for t in waiting) == [0, 2]
    assert sweeps.counted_trials(study) == 1  # alive; the two queued retries are still to run

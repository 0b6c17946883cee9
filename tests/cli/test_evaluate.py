"""`keras-gmgan evaluate`, `generate --drs` and `fit --eval-every` on tiny MNIST runs."""

import csv
import json
import math
import os
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from keras_gmgan.cli.main import cli
from keras_gmgan.models import GMGAN, WGAN
from keras_gmgan.networks import build_mlp_discriminator, build_mlp_generator

SHARED_DATA = Path(os.environ.get("KERAS_GMGAN_DATA", "../shared/data")).resolve()
needs_mnist = pytest.mark.skipif(
    not (SHARED_DATA / "mnist.npz").exists(), reason="MNIST not available"
)
TINY = ["--epochs", "1", "--steps-per-epoch", "3", "--batch-size", "16", "--verbose", "0"]


def _invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def _ok(*args):
    result = _invoke(*args)
    assert result.exit_code == 0, result.output
    return result


def _refused(exit_code, message, *args):
    result = _invoke(*args)
    assert result.exit_code == exit_code, result.output
    assert message in " ".join(result.output.split()), result.output
    assert "Traceback" not in result.output
    return result


@pytest.fixture(scope="module")
def mnist_run(tmp_path_factory):
    """A 3-step GAN on MNIST that evaluates FID/precision/recall every 2 steps."""
    if not (SHARED_DATA / "mnist.npz").exists():
        pytest.skip("MNIST not available")
    out = tmp_path_factory.mktemp("runs") / "gan"
    _ok("fit", "--model", "gan", "--data", SHARED_DATA, *TINY, "--eval-every", 2,
        "--eval-samples", 100, "--out", out)  # fmt: skip
    return out


@needs_mnist
def test_fit_eval_every_writes_fid_into_history_and_results(mnist_run):
    with open(mnist_run / "history.csv") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == 1
    for name in ("fid", "precision", "recall"):
        assert math.isfinite(float(rows[0][name]))
    results = json.loads((mnist_run / "results.json").read_text())
    # Step 2 (every 2 steps) and step 3 (the epoch end).
    assert [record["step"] for record in results["evaluations"]] == [2, 3]
    assert results["evaluation"]["fid"] == pytest.approx(float(rows[0]["fid"]))
    assert results["evaluation_samples"] == 100
    for record in results["evaluations"]:
        assert sum(record["class_histogram"]) == 100 and record["class_share_ratio"] >= 1
        assert 0 <= record["class_kl_to_uniform"] <= math.log(10) + 1e-9
    assert 0 < results["evaluation_floor"]["fid"] < results["evaluation"]["fid"]


def test_fit_eval_every_refuses_digits(tmp_path):
    out = tmp_path / "run"
    _refused(2, "ships one for fashion_mnist and mnist only", "fit", "--dataset", "digits",
             "--eval-every", 5, "--out", out)  # fmt: skip
    _refused(2, "add --eval-every", "fit", "--eval-samples", 100, "--out", out)
    assert not out.exists()


@needs_mnist
def test_evaluate_run_model_file_and_png_folder_agree(mnist_run, tmp_path):
    result = _ok("evaluate", mnist_run, "--n", 200)
    assert "| fid |" in result.output and "| precision |" in result.output
    report = json.loads((mnist_run / "evaluation.json").read_text())
    assert report["source_type"] == "run" and report["real"] == "mnist"
    assert report["n_generated"] == report["n_real"] == 200
    assert 0 < report["fid_floor"] < report["fid"]
    assert 0 <= report["precision"] <= 1 and 0 <= report["recall_floor"] <= 1
    # The class histogram and its balance figures, printed and written.
    assert sum(report["class_histogram"]) == 200
    assert report["class_share_ratio"] >= 1 and report["class_kl_to_uniform"] >= 0
    assert f"| class_histogram | {report['class_histogram']} |" in result.output
    for name in ("class_share_ratio", "class_kl_to_uniform"):
        assert f"| {name} | {report[name]:.4g} |" in result.output
    # The floor is printed beside the metric.
    assert f"| fid | {report['fid']:.4g} | {report['fid_floor']:.4g} |" in result.output

    # The same model from its .keras file, with the same seed: the same figures.
    out = tmp_path / "nested" / "model.json"
    _ok("evaluate", mnist_run / "model.keras", "--n", 200, "--data", SHARED_DATA, "--json", out)
    from_file = json.loads(out.read_text())
    assert from_file["source_type"] == "model"
    assert from_file["fid"] == pytest.approx(report["fid"], rel=1e-4)

    # Round trip through generate's PNGs (8-bit rounding moves FID only slightly).
    samples = tmp_path / "samples"
    _ok("generate", mnist_run, "--n", 200, "--out", samples)
    out = tmp_path / "png.json"
    _ok("evaluate", samples, "--data", SHARED_DATA, "--json", out, "--n", 200)
    from_png = json.loads(out.read_text())
    assert from_png["source_type"] == "png" and from_png["n_generated"] == 200
    assert from_png["fid"] == pytest.approx(report["fid"], rel=0.05)
    _refused(2, "--drs applies to a model", "evaluate", samples, "--drs")


@needs_mnist
def test_evaluate_pictures_draws_a_tsne_into_the_run(mnist_run):
    result = _ok("evaluate", mnist_run, "--n", 100, "--pictures")
    assert f"Drew {mnist_run / 'pictures' / 'tsne.png'}" in result.output
    report = json.loads((mnist_run / "evaluation.json").read_text())
    assert report["pictures"] == {"tsne": str(mnist_run / "pictures" / "tsne.png")}
    assert Image.open(mnist_run / "pictures" / "tsne.png").size[0] > 500


def test_evaluate_rejects_wrong_size_pngs_and_missing_sources(tmp_path):
    folder = tmp_path / "samples"
    folder.mkdir()
    for i in range(12):
        Image.fromarray(np.zeros((32, 32), np.uint8)).save(folder / f"{i}.png")
    out = tmp_path / "report.json"
    _refused(1, "0.png is 32×32 pixels; expected 28×28", "evaluate", folder, "--json", out)
    assert not out.exists()
    _refused(1, "does not exist", "evaluate", tmp_path / "nothing")
    _refused(2, "add --drs", "evaluate", folder, "--drs-percentile", 50)


@pytest.mark.parametrize(
    "data", [["--dataset", "digits"], pytest.param(["--data", SHARED_DATA], marks=needs_mnist)]
)
def test_evaluate_refuses_a_classifier_run(data, tmp_path):
    run = tmp_path / "cnn"
    _ok("fit", "--model", "cnn-baseline", *data, "--epochs", 1, "--steps-per-epoch", 2,
        "--verbose", 0, "--out", run)  # fmt: skip
    for source in (run, run / "model.keras"):
        _refused(2, f"{source} holds a classifier", "evaluate", source)
    assert not (run / "evaluation.json").exists()


@needs_mnist
def test_generate_drs_writes_n_images_and_the_acceptance_rate(mnist_run, tmp_path):
    out = tmp_path / "drs"
    result = _ok("generate", mnist_run, "--n", 30, "--drs", "--drs-percentile", 80, "--out", out)
    assert {p.name for p in out.glob("[0-9]*.png")} == {f"{i}.png" for i in range(30)}
    metadata = json.loads((out / "generate.json").read_text())
    assert metadata["drs_percentile"] == 80 and 0 < metadata["drs_acceptance_rate"] <= 1
    assert f"accepted {metadata['drs_acceptance_rate']:.1%}" in result.output


@pytest.mark.parametrize("kind", ["wgan", "gmgan-wgan-gp"])
def test_generate_drs_refuses_wasserstein_critics(kind, tmp_path):
    generator = build_mlp_generator(4, (8, 8, 1), (8,))
    critic = build_mlp_discriminator((8, 8, 1), (8,))
    if kind == "wgan":
        model = WGAN(generator, critic, lipschitz="clip")
    else:
        model = GMGAN(generator, critic, loss="wgan-gp")
    model.compile()
    path = tmp_path / "critic.keras"
    model.save(path)
    out = tmp_path / "samples"
    _refused(2, "Wasserstein critic", "generate", path, "--drs", "--n", 5, "--out", out)
    _refused(2, "add --drs", "generate", path, "--drs-percentile", 50, "--out", out)
    assert not out.exists()


def test_evaluate_a_2d_run_gives_the_mode_metrics(tmp_path):
    run = tmp_path / "ring"
    _ok("fit", "--model", "gan", "--dataset", "ring", *TINY, "--out", run)
    result = _ok("evaluate", run, "--n", 300)
    report = json.loads((run / "evaluation.json").read_text())
    assert report["num_modes"] == 8 and 0 <= report["modes_captured"] <= 8
    assert report["n_generated"] == 300 and "| reverse_kl |" in result.output
    _refused(2, "--real does not apply", "evaluate", run, "--real", "mnist")
    _refused(2, "evaluate the run directory instead", "evaluate", run / "model.keras")
    _refused(2, "--pictures draws images", "evaluate", run, "--pictures")
    assert not (run / "pictures").exists()


def test_evaluate_samples_the_generator_average_unless_raw_weights(tmp_path):
    from keras_gmgan.datasets import get_mixture_2d
    from keras_gmgan.metrics import evaluate_mixture_2d
    from keras_gmgan.runs import load_model

    run = tmp_path / "ring"
    _ok("fit", "--model", "gan", "--dataset", "ring", "--ema-decay", 0.9, *TINY, "--out", run)
    model = load_model(run)
    for weights, extra in (("ema", ()), ("raw", ("--raw-weights",))):
        _ok("evaluate", run, "--n", 300, *extra)
        report = json.loads((run / "evaluation.json").read_text())
        assert report["weights"] == weights
        points = model.generate(300, seed=0, weights=weights)
        expected = evaluate_mixture_2d(points, get_mixture_2d("ring"))
        assert report["reverse_kl"] == pytest.approx(expected["reverse_kl"], rel=1e-5)
    folder = tmp_path / "pngs"
    folder.mkdir()
    _refused(2, "--raw-weights applies to a model", "evaluate", folder, "--raw-weights")

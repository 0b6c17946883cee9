"""Score a run directory, a `.keras` model or a folder of PNGs against real data.

`evaluate_source` is what `keras-gmgan evaluate` does, for scripts: it works out what the
source is, draws (or reads) the generated images and scores them with `keras_gmgan.metrics`
against the data set the run was trained on: FID, precision/recall, density/coverage and the
classifier score beside their real-vs-real floor, plus what a mixture model's components
draw. Runs on the 2-D mixtures get the mode metrics instead, since no feature space exists
for points.

    scored = evaluate_source("runs/gmgan")      # also writes runs/gmgan/evaluation.json
    print(format_report(scored.report))

Errors: an `InapplicableOptionError` (a ValueError) when something asked does not apply to
the source (DRS of a Wasserstein critic, `sigma_scale` for a folder of PNGs, a classifier
run); an `EvaluationError` when the source or the output cannot be read or written as it is.
"""

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Union

from keras_gmgan import runs

#: Real data sets with a bundled feature extractor.
REAL_DATASETS = ("mnist", "fashion_mnist")
#: Fewer generated images than this make the k-nearest-neighbour balls (k = 5) meaningless.
MIN_IMAGES = 10
#: Images scored unless asked otherwise (the published protocol's size).
DEFAULT_IMAGES = 10_000


class EvaluationError(Exception):
    """The source cannot be scored as it is: missing, unreadable, too few images, or the
    report cannot be written."""


class InapplicableOptionError(ValueError):
    """Something asked does not apply to the source (DRS of a Wasserstein critic,
    `sigma_scale` for a folder of PNGs, a classifier run, pictures of 2-D points)."""


@dataclass
class SourceEvaluation:
    """What `evaluate_source` measured.

    Attributes:
        source: the path scored.
        header: what was scored and how: `source_type` ("run", "model" or "png"), the real
            data set (`real`, images) or mixture (`dataset`, 2-D points), the sampling
            settings (seed, sigma_scale, drs, weights) and `pictures` when drawn.
        report: the figures (`keras_gmgan.metrics.format_report` prints them).
        seconds: wall time of the evaluation.
        json_path: where the report was written, or None.
    """

    source: Path
    header: dict
    report: dict
    seconds: float = 0.0
    json_path: Optional[Path] = None

    def payload(self) -> dict:
        """The JSON written: source, header, report and seconds in one flat mapping."""
        return {"source": str(self.source), **self.header, **self.report,
                "seconds": round(self.seconds, 2)}  # fmt: skip


def source_kind(source: Union[str, Path]) -> tuple[str, Optional[dict]]:
    """Whether `source` is a "run" (returned with its config), a "model" or a "png" folder;
    raises EvaluationError for anything else."""
    source = Path(source)
    if not source.exists():
        raise EvaluationError(
            f"{source} does not exist: pass a run directory, a .keras file or a folder of PNGs."
        )
    if source.is_dir():
        if (source / runs.CONFIG_FILE).exists():
            try:
                return "run", runs.read_config(source)
            except runs.ModelFileError as error:
                raise EvaluationError(str(error)) from None
        return ("model" if (source / runs.MODEL_FILE).exists() else "png"), None
    if source.suffix != ".keras":
        raise EvaluationError(
            f"{source} is neither a run directory, a .keras model file nor a folder of PNGs."
        )
    return "model", None


def evaluate_source(
    source: Union[str, Path],
    *,
    real: Optional[str] = None,
    n: Optional[int] = None,
    data: Optional[str] = None,
    seed: int = 0,
    sigma_scale: Optional[float] = None,
    drs: bool = False,
    drs_percentile: float = 95.0,
    raw_weights: bool = False,
    pictures: bool = False,
    json_path: Union[str, Path, None] = None,
    echo: Callable[[str], None] = print,
) -> SourceEvaluation:
    """Scores `source`, a run directory, a `.keras` model or a folder of PNGs.

    Args:
        real: the real data set, which also picks the feature extractor (None: the run's
            data set, else mnist). Not for 2-D runs.
        n: generated images, compared with the first n test images; n random train images
            give the floor (None: 10,000, or fewer when the data hold fewer, said through
            `echo`). A PNG folder's first n files are read. A 2-D run: points (None: 2500).
        data: a local copy of the real data (None: the run's, else $KERAS_GMGAN_DATA).
        seed: seed of the latents and of the floor's train subset.
        sigma_scale, drs, drs_percentile, raw_weights: how a model is sampled
            (`keras_gmgan.sampling.draw_samples`); a model trained with an EMA is sampled with
            its moving average unless `raw_weights`. None of them applies to PNGs.
        pictures: also draw `keras_gmgan.pictures` (into RUN/pictures, else beside
            `json_path`, else ./pictures).
        json_path: write the payload here (None: RUN/evaluation.json for a run, else nowhere).
        echo: where the notes on what was scored go.
    """
    started = time.time()
    source = Path(source)
    kind, config = source_kind(source)
    sampling = {"seed": seed, "sigma_scale": 1.0 if sigma_scale is None else sigma_scale,
                "drs": drs}  # fmt: skip
    if drs:
        sampling["drs_percentile"] = drs_percentile
    model = generated = None
    if kind == "png":
        if drs or raw_weights or sigma_scale is not None:
            flag = "--drs" if drs else "--raw-weights" if raw_weights else "--sigma-scale"
            raise InapplicableOptionError(
                f"{flag} applies to a model; the images of a PNG folder are already drawn."
            )
        generated, sampling = _read_pngs(source, n or DEFAULT_IMAGES), {"seed": seed}
    else:
        model = _load_model(source)
        sampling["weights"] = sampled_weights(model, raw_weights)
        dataset = (config or {}).get("options", {}).get("dataset")
        if len(model.data_shape) == 1:
            if pictures:
                raise InapplicableOptionError(
                    "--pictures draws images; a run on 2-D points is pictured by fit --gif."
                )
            report = _evaluate_2d(model, dataset, source, n, sampling, real, data)
            header = {"source_type": kind, "dataset": dataset, **sampling}
            return _finish(SourceEvaluation(source, header, report), kind, json_path, started)
        if tuple(model.data_shape) != (28, 28, 1):
            raise InapplicableOptionError(
                f"{source} generates {'×'.join(map(str, model.data_shape))} images; the "
                "bundled feature extractors take 28×28×1 (mnist, fashion_mnist), so there is "
                "nothing to compare them with."
            )
        if real is None and dataset in REAL_DATASETS:
            real = dataset
        if data is None and config is not None and real == dataset:
            data = config["options"].get("data")  # where the run found its data
        if drs:
            _check_drs_model(model)  # before the real data and extractor are loaded

    real = real or "mnist"
    splits = _load_real(real, data)
    n = _sample_size(n or DEFAULT_IMAGES, source, real, splits, generated, echo)

    from keras_gmgan.metrics import Evaluator, evaluate_components, evaluate_model

    evaluator = Evaluator.from_splits(splits.x_train, splits.x_test, extractor=real, n=n, seed=seed)
    if model is None:
        report = evaluator.evaluate(generated)
    else:
        try:
            report = evaluate_model(model, evaluator, n, **sampling)
        except RuntimeError as error:  # DRS gave up
            raise EvaluationError(str(error)) from None
        report.pop("drs_percentile", None)  # in the header already
        with model.sampling_weights(sampling["weights"]):
            try:
                report.update(evaluate_components(model, evaluator, splits.x_test,
                                                  splits.y_test, n, seed,
                                                  sigma_scale=sampling["sigma_scale"]))  # fmt: skip
            except ValueError as error:  # a supervised model of another data set's classes
                echo(f"No conditional accuracy: {error}")
    scored = SourceEvaluation(source, {"source_type": kind, "real": real, **sampling}, report)
    if pictures:
        from keras_gmgan.pictures import pictures_folder, write_pictures
        from keras_gmgan.sampling import draw_samples

        folder = pictures_folder(source, kind == "run", json_path)
        if model is not None:  # the images evaluate_model scored: same seed and sampling
            generated, _ = draw_samples(model, n, **sampling)
        drawn = write_pictures(model, evaluator.extractor, splits.x_test[:n], generated, folder,
                               seed=seed)  # fmt: skip
        scored.header["pictures"] = {name: str(path) for name, path in drawn.items()}
    return _finish(scored, kind, json_path, started)


def sampled_weights(model, raw_weights: bool = False) -> str:
    """Which generator weights `generate` and `evaluate` sample: "ema" (the moving average)
    when the model keeps one and `raw_weights` is False, else "raw"."""
    return "ema" if model.generator_average is not None and not raw_weights else "raw"


def _check_drs_model(model) -> None:
    """A model DRS cannot sample (no BCE discriminator): a ValueError naming why."""
    from keras_gmgan.sampling import check_drs_model

    try:
        check_drs_model(model)
    except ValueError as error:
        raise InapplicableOptionError(f"--drs: {error}") from None


def _load_model(source: Path):
    try:
        model = runs.load_model(source)
    except runs.ModelFileError as error:
        raise EvaluationError(str(error)) from None
    if not hasattr(model, "latent"):
        raise InapplicableOptionError(
            f"{source} holds a classifier (e.g. a cnn-baseline run), not a generative "
            "model; evaluate scores generated samples."
        )
    return model


def _read_pngs(source: Path, n: int):
    from keras_gmgan.metrics import read_png_folder

    try:
        images = read_png_folder(source, limit=n)
    except ValueError as error:
        raise EvaluationError(str(error)) from None
    if len(images) < MIN_IMAGES:
        raise EvaluationError(
            f"{source} holds {len(images)} PNG images; evaluation needs at least {MIN_IMAGES} "
            "(10,000 for figures comparable with published ones)."
        )
    return images


def _sample_size(n: int, source: Path, real: str, splits, pngs, echo) -> int:
    """n, or fewer when the PNG folder or the real data hold fewer images, said in one line:
    generated, real and floor sets are then all of the size actually compared."""
    limits = {
        f"the {real} {split} set has {len(images)} images": len(images)
        for split, images in (("test", splits.x_test), ("train", splits.x_train))
    }
    if pngs is not None:
        limits[f"{source} holds {len(pngs)} PNG images"] = len(pngs)
    reason, size = min(limits.items(), key=lambda limit: limit[1])
    if size >= n:
        return n
    echo(f"Scoring {size} images, not --n {n}: {reason}.")
    return size


def _load_real(name: str, path: Optional[str]):
    from keras_gmgan.datasets import DataFormatError, DataNotFoundError, load_dataset

    try:
        return load_dataset(name, path)
    except (DataNotFoundError, DataFormatError) as error:
        raise EvaluationError(str(error)) from None


def _evaluate_2d(model, dataset, source: Path, n, sampling: dict, real, data) -> dict:
    """Mode metrics of a model trained on a 2-D mixture, against that mixture."""
    from keras_gmgan.datasets import MIXTURES_2D, get_mixture_2d
    from keras_gmgan.metrics import evaluate_mixture_2d
    from keras_gmgan.metrics.modes_2d import NUM_EVAL_SAMPLES
    from keras_gmgan.sampling import draw_samples

    if dataset not in MIXTURES_2D:
        raise InapplicableOptionError(
            f"{source} generates 2-D points, and which mixture they should match is recorded "
            "only in a run directory: evaluate the run directory instead."
        )
    for name, value in (("real", real), ("data", data)):
        if value is not None:
            raise InapplicableOptionError(
                f"--{name} does not apply to a run on the 2-D mixture {dataset!r}: its points "
                "are scored against the mixture's known modes."
            )
    if sampling["drs"]:
        _check_drs_model(model)
    try:
        points, drs_rate = draw_samples(model, n or NUM_EVAL_SAMPLES, **sampling)
    except RuntimeError as error:  # DRS gave up
        raise EvaluationError(str(error)) from None
    report = {**evaluate_mixture_2d(points, get_mixture_2d(dataset)), "n_generated": len(points)}
    if sampling["drs"]:
        report["drs_acceptance_rate"] = drs_rate
    return report


def _finish(scored: SourceEvaluation, kind: str, json_path, started: float) -> SourceEvaluation:
    """Times the evaluation and writes its JSON (atomically) where asked or into the run."""
    scored.seconds = time.time() - started
    if json_path is None and kind == "run":
        json_path = scored.source / runs.EVALUATION_FILE
    if json_path is not None:
        scored.json_path = Path(json_path)
        try:
            scored.json_path.parent.mkdir(parents=True, exist_ok=True)
            runs.write_json_atomic(scored.json_path, scored.payload())
        except OSError as error:
            raise EvaluationError(f"Cannot write {json_path}: {error}") from None
    return scored

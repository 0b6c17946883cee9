"""The pictures `keras-gmgan evaluate --pictures` draws, where looking beats reading a table.

- `tsne.png`: a t-SNE (scikit-learn) of the feature extractor's features of generated and
  real images, side by side in one embedding, each point coloured by its predicted class:
  a generator that drops classes leaves colours of the real panel missing from its own.
- `components.png` (mixture models): one row per latent component, so one sees what each
  component draws.
- `sigma_sweep.png` (mixture models): one component's samples with its σ scaled from 0
  (the component's mean) upwards, one row per scale, the same noise in every row.
"""

from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from keras_gmgan.visualization import save_image_grid

#: Points of each kind in the t-SNE: enough to show the classes, cheap to embed.
TSNE_POINTS = 1000
SIGMA_SCALES = (0.0, 0.5, 1.0, 1.5, 2.0)
PER_ROW = 10


def tsne_embedding(real_features, generated_features, seed: int = 0) -> tuple:
    """A joint 2-D t-SNE of both feature sets; returns (real points, generated points)."""
    from sklearn.manifold import TSNE

    features = np.concatenate([real_features, generated_features]).astype("float64")
    perplexity = float(min(30, max(2, (len(features) - 1) // 3)))
    tsne = TSNE(2, perplexity=perplexity, init="pca", max_iter=500, random_state=seed)
    points = tsne.fit_transform(features)
    return points[: len(real_features)], points[len(real_features) :]


def plot_tsne(real_points, real_classes, generated_points, generated_classes, path: Path,
              num_classes: int = 10) -> None:  # fmt: skip
    """Two panels sharing the embedding's axes: real and generated, coloured by class."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(11, 5), sharex=True, sharey=True)
    colours = plt.get_cmap("tab10" if num_classes <= 10 else "tab20")
    for axis, points, classes, title in (
        (axes[0], real_points, real_classes, "real"),
        (axes[1], generated_points, generated_classes, "generated"),
    ):
        for k in range(num_classes):
            chosen = classes == k
            axis.scatter(*points[chosen].T, s=5, color=colours(k % colours.N), label=str(k))
        axis.set_title(f"{title} ({len(points)} images, {len(np.unique(classes))} classes)")
        axis.set_xticks([])
        axis.set_yticks([])
    axes[1].legend(title="predicted class", markerscale=3, fontsize=8, loc="center left",
                   bbox_to_anchor=(1.0, 0.5))  # fmt: skip
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def component_rows(model, per_row: int = PER_ROW, seed: int = 0) -> np.ndarray:
    """`per_row` samples of every latent component, component by component (K·per_row)."""
    components = int(model.latent.num_components)
    labels = np.repeat(np.arange(components), per_row)
    return model.generate(len(labels), labels=labels, seed=seed)


def sigma_sweep(model, component: int = 0, scales: Sequence[float] = SIGMA_SCALES,
                per_row: int = PER_ROW, seed: int = 0) -> np.ndarray:  # fmt: skip
    """`per_row` samples of one component at each σ scale (rows), with the same noise."""
    rows = [
        model.generate(per_row, labels=component, sigma_scale=scale, seed=seed) for scale in scales
    ]
    return np.concatenate(rows)


def write_pictures(model, extractor, real_images, generated_images, folder: Path,
                   seed: int = 0, points: int = TSNE_POINTS) -> dict:  # fmt: skip
    """Writes tsne.png and, for a model with several components, components.png and
    sigma_sweep.png into `folder`; returns {name: path}. `model` may be None (a folder of
    PNGs): only the t-SNE is drawn."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    n_real, n_generated = min(points, len(real_images)), min(points, len(generated_images))
    real_features, real_probabilities = extractor.predict(real_images[:n_real])
    generated_features, generated_probabilities = extractor.predict(generated_images[:n_generated])
    real_points, generated_points = tsne_embedding(real_features, generated_features, seed)
    written = {"tsne": folder / "tsne.png"}
    plot_tsne(real_points, real_probabilities.argmax(1), generated_points,
              generated_probabilities.argmax(1), written["tsne"],
              num_classes=extractor.num_classes)  # fmt: skip
    latent = getattr(model, "latent", None)
    if latent is not None and int(latent.num_components) > 1:
        written["components"] = folder / "components.png"
        save_image_grid(component_rows(model, seed=seed), written["components"], ncols=PER_ROW)
        written["sigma_sweep"] = folder / "sigma_sweep.png"
        save_image_grid(sigma_sweep(model, seed=seed), written["sigma_sweep"], ncols=PER_ROW)
    return written


def pictures_folder(source: Path, is_run: bool, json_path: Optional[Path]) -> Path:
    """Where evaluate puts them: RUN/pictures, else beside --json, else ./pictures."""
    if is_run:
        return Path(source) / "pictures"
    if json_path is not None:
        return Path(json_path).parent / "pictures"
    return Path("pictures")

"""Semi-supervised GAN: a (K+1)-way classifier discriminator and a feature-matching generator."""

import contextlib
from typing import Any, Optional

import keras
import numpy as np
from keras import ops

from keras_gmgan import losses
from keras_gmgan.backend import minimize
from keras_gmgan.models.adversarial_model import AdversarialModel
from keras_gmgan.models.weight_average import WeightAverage

FAKE_CLASS_FORMS = ("explicit", "implicit")

#: The Adam epsilon to give both SGAN players. Improved GAN's Adam adds 1e-8 to the second
#: moment under the square root, about 1e-4 outside it; Keras' default 1e-7 lets the game
#: collapse (D(G(z)) → 0) on MNIST at a constant learning rate of 1e-3 (BENCHMARKS.md).
SGAN_ADAM_EPSILON = 1e-4


@keras.saving.register_keras_serializable(package="keras_gmgan")
class SGAN(AdversarialModel):
    """Semi-supervised GAN: the discriminator classifies K real classes and spots fakes.

    Each step takes a batch from `SemiSupervisedBatches` (an unlabelled batch x_u, a labelled
    batch (x_l, y_l)) and draws as many latents as there are unlabelled examples:

    1. Discriminator: cross-entropy of y_l under the softmax of the K real-class logits of
       x_l, plus `unsupervised_weight` × (−log D(x_u) − log(1 − D(G(z)))), where D(x) is the
       probability of "real" (any of the K classes), plus `entropy_weight` × the mean entropy
       of the class posterior of x_u (off by default). The three batches go through the
       discriminator in one call.
    2. Generator: feature matching, ‖E f(x_u) − E f(G(z))‖² / dim f, on the discriminator's
       feature output (a chosen hidden layer), not the adversarial loss: it makes samples that
       help the classifier rather than fool it. When the batch also holds `"matching"` (a
       second unlabelled batch, `SemiSupervisedBatches(..., matching_batch=True)`), f(x) is
       averaged over it instead of x_u, as in Improved GAN's MNIST script.
    3. Optionally, an exponential moving average (EMA) of the discriminator's weights, used by
       the classification methods.

    The fake class is either an explicit (K+1)-th logit (`fake_class="explicit"`, as in
    Odena's SGAN and the seed project) or implicit (`"implicit"`, Improved GAN): K logits,
    D(x) = Z / (Z + 1) with Z = Σ exp(l_k), which is the explicit form with the fake logit
    fixed at 0. Predictions always use only the K real-class logits.

    Logs `d_loss`, `g_loss`, `supervised_loss`, `unsupervised_loss`, `labeled_accuracy` (on
    the labelled batches), `unlabeled_entropy` (mean class-posterior entropy of x_u, in
    nats), `d_real` (mean D(x_u)) and `d_fake` (mean D(G(z))).

    Optimizers: Improved GAN's MNIST recipe is Adam with β1 = 0.5 for both players; give
    Adam `epsilon=SGAN_ADAM_EPSILON` (1e-4, see that constant: Keras' default 1e-7 lets
    the game collapse).

    Args:
        generator: `keras.Model` mapping latents to data.
        discriminator: functional `keras.Model` mapping data to `[features, logits]`, with
            K + 1 logits (explicit fake class, index K) or K (implicit); see
            `keras_gmgan.networks.build_improved_gan_discriminator` and
            `build_sgan_conv_discriminator`. It should not use batch normalisation (the three
            batches share one call).
        num_classes: K, the number of real classes.
        fake_class: `"explicit"` or `"implicit"`.
        latent: the `MixtureLatent` prior (standard normal when omitted).
        unsupervised_weight: weight of the real-vs-fake loss against the supervised one; 0.5
            is Improved GAN's (its code halves the unsupervised terms), the seed project used 1.
        entropy_weight: weight of the conditional-entropy term on the unlabelled batch
            (entropy minimisation, Grandvalet & Bengio; Bad GAN's SVHN recipe uses 0.1); 0,
            the default and Improved GAN's recipe, leaves it out.
        ema_decay: keep an EMA of the discriminator's weights with this decay (e.g. 0.999)
            and classify with it; None keeps none. Early on the decay is capped at
            (1 + t) / (10 + t) after t steps, so the average is useful after a short run too.
        seed: seed of the training-time sampling.

    References:
        Odena, "Semi-Supervised Learning with Generative Adversarial Networks", 2016.
        Salimans et al., "Improved Techniques for Training GANs", NeurIPS 2016.

    Example:
    >>> import numpy as np
    >>> from keras_gmgan.datasets import SemiSupervisedBatches
    >>> from keras_gmgan.networks import (
    ...     build_improved_gan_discriminator, build_improved_gan_generator)
    >>> sgan = SGAN(
    ...     build_improved_gan_generator(8, (4,), hidden_units=(16,)),
    ...     build_improved_gan_discriminator((4,), num_outputs=3, hidden_units=(16, 8)),
    ...     num_classes=2, fake_class="explicit", seed=0)
    >>> sgan.compile()
    >>> rng = np.random.default_rng(0)
    >>> batches = SemiSupervisedBatches(
    ...     rng.normal(size=(64, 4)), rng.normal(size=(4, 4)), [0, 1, 0, 1], batch_size=16)
    >>> history = sgan.fit(batches, epochs=1, verbose=0)
    >>> sgan.predict_classes(rng.normal(size=(5, 4))).shape
    (5,)
    """

    tracked_logs = (
        "d_loss",
        "g_loss",
        "supervised_loss",
        "unsupervised_loss",
        "labeled_accuracy",
        "unlabeled_entropy",
        "d_real",
        "d_fake",
    )

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        num_classes: int = 10,
        fake_class: str = "explicit",
        latent=None,
        unsupervised_weight: float = 0.5,
        entropy_weight: float = 0.0,
        ema_decay: Optional[float] = None,
        seed: Optional[int] = None,
        **kwargs,
    ):
        super().__init__(generator, discriminator, latent=latent, seed=seed, **kwargs)
        if fake_class not in FAKE_CLASS_FORMS:
            raise ValueError(
                f"fake_class must be one of {', '.join(FAKE_CLASS_FORMS)}; got {fake_class!r}."
            )
        if entropy_weight < 0:
            raise ValueError(
                f"entropy_weight must be 0 (off) or positive, e.g. 0.1; got {entropy_weight}."
            )
        self.num_classes = int(num_classes)
        self.fake_class = fake_class
        self.unsupervised_weight = float(unsupervised_weight)
        self.entropy_weight = float(entropy_weight)
        self.ema_decay = None if ema_decay is None else float(ema_decay)
        self._check_discriminator(discriminator)
        self.discriminator_average = None
        if self.ema_decay is not None:
            self.discriminator_average = WeightAverage(
                self, discriminator.trainable_variables, self.ema_decay, name="ema"
            )

    def _check_discriminator(self, discriminator: keras.Model) -> None:
        outputs = getattr(discriminator, "outputs", None)
        if not isinstance(outputs, (list, tuple)) or len(outputs) != 2:
            raise ValueError(
                "The SGAN discriminator must be a functional model with two outputs, "
                "[features, logits]; build it with build_improved_gan_discriminator or "
                "build_sgan_conv_discriminator, or expose a hidden layer as a first output."
            )
        expected = self.num_classes + (1 if self.fake_class == "explicit" else 0)
        found = outputs[1].shape[-1]
        if found != expected:
            raise ValueError(
                f"With {self.num_classes} classes and the {self.fake_class} fake class the "
                f"discriminator needs {expected} logits; it has {found}. Build it with "
                f"num_outputs={expected}."
            )

    # Training --------------------------------------------------------------------------

    @staticmethod
    def _unpack(data):
        if isinstance(data, (tuple, list)) and len(data) == 1:
            data = data[0]
        if not isinstance(data, dict) or not {"unlabeled", "labeled", "labels"} <= set(data):
            raise ValueError(
                "SGAN.fit needs batches {'unlabeled': x_u, 'labeled': x_l, 'labels': y_l}: pass "
                "keras_gmgan.datasets.SemiSupervisedBatches(x_unlabeled, x_labeled, y_labeled) "
                "as the data."
            )
        # Without a separate "matching" batch the generator matches the unlabelled batch's
        # features.
        matching = data.get("matching", data["unlabeled"])
        return data["unlabeled"], data["labeled"], data["labels"], matching

    def train_step(self, data):
        unlabeled, labeled, labels, matching = self._unpack(data)
        n_labeled, n_unlabeled = ops.shape(labeled)[0], ops.shape(unlabeled)[0]
        k = self.num_classes

        fake, _ = self.sample_fakes(n_unlabeled)
        batch = ops.concatenate([ops.cast(labeled, fake.dtype), unlabeled, fake], axis=0)

        def discriminator_loss():
            _, logits = self.discriminator(batch, training=True)
            labeled_logits = logits[:n_labeled]
            unlabeled_logits = logits[n_labeled : n_labeled + n_unlabeled]
            real = losses.real_vs_fake_logit(unlabeled_logits, k)
            fake_ = losses.real_vs_fake_logit(logits[n_labeled + n_unlabeled :], k)
            supervised = losses.supervised_cross_entropy(labeled_logits, labels, k)
            unsupervised = losses.discriminator_bce(real, fake_)
            entropy = losses.conditional_entropy(unlabeled_logits, k)
            total = supervised + self.unsupervised_weight * unsupervised
            if self.entropy_weight:
                total = total + self.entropy_weight * entropy
            return total, (supervised, unsupervised, entropy, labeled_logits, real, fake_)

        d_loss, (supervised, unsupervised, entropy, labeled_logits, real, fake_) = minimize(
            discriminator_loss, self.discriminator_variables, self.d_optimizer
        )
        self._update_ema()

        n_matching = ops.shape(matching)[0]

        def generator_loss(generated, components):
            features, _ = self.discriminator(
                ops.concatenate([ops.cast(matching, generated.dtype), generated], axis=0),
                training=True,
            )
            real_features = ops.stop_gradient(features[:n_matching])
            return losses.feature_matching(real_features, features[n_matching:])

        g_loss = self.generator_step(n_unlabeled, generator_loss)

        predicted = ops.argmax(losses.real_class_logits(labeled_logits, k), axis=-1)
        hits = ops.cast(ops.equal(predicted, ops.cast(labels, predicted.dtype)), "float32")
        return self.update_trackers(
            d_loss=d_loss,
            g_loss=g_loss,
            supervised_loss=supervised,
            unsupervised_loss=unsupervised,
            labeled_accuracy=ops.mean(hits),
            unlabeled_entropy=entropy,
            d_real=ops.mean(ops.sigmoid(real)),
            d_fake=ops.mean(ops.sigmoid(fake_)),
        )

    def _update_ema(self) -> None:
        if self.discriminator_average is not None:
            self.discriminator_average.update(self.d_optimizer.iterations)

    @property
    def ema_variables(self) -> list:
        """The discriminator's moving averages (empty when none is kept)."""
        average = self.discriminator_average
        return [] if average is None else average.averages

    # Classification --------------------------------------------------------------------

    @property
    def classifier(self) -> keras.Model:
        """A functional model from data to the K real-class logits, sharing the weights."""
        cached = self.__dict__.get("_classifier")
        if cached is None:
            x = keras.Input(self.discriminator.inputs[0].shape[1:])
            _, logits = self.discriminator(x)
            cached = keras.Model(x, losses.real_class_logits(logits, self.num_classes))
            # Not tracked as a sub-layer: it only re-wraps the discriminator's variables.
            object.__setattr__(self, "_classifier", cached)
        return cached

    @contextlib.contextmanager
    def ema_weights(self):
        """Within the block the discriminator holds its EMA weights (raw weights without EMA)."""
        if self.discriminator_average is None:
            yield
            return
        with self.discriminator_average.holding():
            yield

    def _use_ema(self, use_ema: Optional[bool]) -> bool:
        if use_ema and not self.ema_variables:
            raise ValueError("This SGAN keeps no weight average: build it with ema_decay=0.999.")
        return bool(self.ema_variables) if use_ema is None else use_ema

    def predict_logits(
        self, x: Any, batch_size: int = 500, use_ema: Optional[bool] = None
    ) -> np.ndarray:
        """The K real-class logits of `x` (NumPy); the EMA weights are used when kept."""
        context = self.ema_weights() if self._use_ema(use_ema) else contextlib.nullcontext()
        with context:
            return np.asarray(self.classifier.predict(x, batch_size=batch_size, verbose=0))

    def predict_classes(
        self, x: Any, batch_size: int = 500, use_ema: Optional[bool] = None
    ) -> np.ndarray:
        """The predicted class of each example of `x`: argmax over the K real classes only."""
        return np.argmax(self.predict_logits(x, batch_size, use_ema), axis=-1)

    def evaluate_classifier(
        self, x: Any, y: Any, batch_size: int = 500, use_ema: Optional[bool] = None
    ) -> dict:
        """Accuracy, per-class accuracy and confusion matrix on (x, y); see `classification`."""
        from keras_gmgan.classification import classification_results

        predicted = self.predict_classes(x, batch_size=batch_size, use_ema=use_ema)
        return classification_results(y, predicted, self.num_classes)

    # Serialisation ---------------------------------------------------------------------

    def get_config(self):
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "fake_class": self.fake_class,
            "unsupervised_weight": self.unsupervised_weight,
            "entropy_weight": self.entropy_weight,
            "ema_decay": self.ema_decay,
        }

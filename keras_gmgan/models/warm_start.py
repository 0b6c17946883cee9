"""Start a model from another's trained networks (a GM-GAN fine-tuned from a vanilla GAN)."""

from typing import Sequence

import keras

from keras_gmgan.models.adversarial_model import AdversarialModel

PARTS = ("generator", "discriminator")


def warm_start_from(
    model: AdversarialModel,
    source: AdversarialModel,
    parts: Sequence[str] = PARTS,
) -> AdversarialModel:
    """Copies `source`'s generator and discriminator weights into `model`, in place.

    The seed projects got their best static GM-GAN by fine-tuning a vanilla GAN trained for
    about 50 epochs instead of training from scratch: the networks carry over, the latent
    prior (and the optimizers' state) do not. The architectures must match weight for
    weight; otherwise nothing is copied and a ValueError names the first difference.
    `parts` limits the copy, e.g. `("generator",)` for a supervised GM-GAN whose (K+1)-way
    discriminator cannot take a vanilla GAN's one-logit head.

    Returns `model`.
    """
    unknown = [part for part in parts if part not in PARTS]
    if unknown or not parts:
        raise ValueError(f"parts must be a non-empty subset of {PARTS}; got {tuple(parts)}.")
    copies = []
    for part in parts:
        target_net, source_net = getattr(model, part), getattr(source, part)
        target_weights, source_weights = target_net.weights, source_net.weights
        if len(target_weights) != len(source_weights):
            raise ValueError(
                f"Cannot warm-start the {part}: it has {len(target_weights)} weights and the "
                f"source's has {len(source_weights)}. Build both models with the same "
                "networks (network family, hidden units, latent_dim)."
            )
        for target, origin in zip(target_weights, source_weights):
            if tuple(target.shape) != tuple(origin.shape):
                raise ValueError(
                    f"Cannot warm-start the {part}: weight {target.path!r} has shape "
                    f"{tuple(target.shape)} but the source's {origin.path!r} has "
                    f"{tuple(origin.shape)}. Build both models with the same networks "
                    "(network family, hidden units, latent_dim, discriminator outputs, pac)."
                )
            copies.append((target, origin))
    for target, origin in copies:
        target.assign(keras.ops.convert_to_numpy(origin))
    if model.generator_average is not None:
        model.generator_average.reset()  # average the copied weights, not the discarded ones
    return model

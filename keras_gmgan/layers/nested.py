"""Finding layers of a type anywhere inside a model, nested models included."""

import keras


def nested_layers(model: keras.layers.Layer, layer_type: type) -> list:
    """Every layer of `layer_type` inside `model` (itself included), depth first."""
    found = [model] if isinstance(model, layer_type) else []
    for child in getattr(model, "layers", None) or []:
        found += nested_layers(child, layer_type)
    return found

"""Weights files: ``save_weights`` / ``load_weights`` of a model's get_weights() list, as an
.npz (numpy's zip of arrays, written to exactly the path given) or, for a .safetensors path,
safetensors. Keys are '<index>/<layer>/<weight>' so the order survives; loading sets the
arrays in that order (Keras's own .weights.h5 format is not written: no HDF5 dependency)."""
from __future__ import annotations

import os

import numpy as np


def save_weights(model, filepath, overwrite=True):
    filepath = os.fspath(filepath)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"[Model.save_weights] {filepath} exists")
    if filepath.endswith(".h5"):
        raise ValueError("[Model.save_weights] HDF5 (.h5) is not supported; use a "
                         ".weights.npz or .safetensors path")
    names = model._weight_paths()
    arrays = {f"{i:05d}/{name}": a for i, (name, a) in
              enumerate(zip(names, model.get_weights()))}
    if filepath.endswith(".safetensors"):
        from safetensors.numpy import save_file
        save_file({k: np.ascontiguousarray(v) for k, v in arrays.items()}, filepath)
    else:
        with open(filepath, "wb") as f:
            np.savez(f, **arrays)


def load_weights(model, filepath):
    filepath = os.fspath(filepath)
    if filepath.endswith(".safetensors"):
        from safetensors.numpy import load_file
        arrays = load_file(filepath)
    else:
        with np.load(filepath) as z:
            arrays = {k: z[k] for k in z.files}
    model.set_weights([arrays[k] for k in sorted(arrays)])

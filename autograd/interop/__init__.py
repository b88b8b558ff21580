"""Move models out to PyTorch and ONNX, and PyTorch models in. Guide: docs/interop.md.

- ``to_torch(model)``: an ``nn.MLP`` as a ``torch.nn.Sequential`` of Linear layers and
  activations, float64, with the same weights.
- ``from_torch(module)``: a ``torch.nn.Sequential`` of Linear layers and supported
  activations as an ``nn.MLP``; the round trip keeps every weight bit for bit.
- ``to_onnx(model, path, dtype="float64")``: an ``nn.MLP`` as an ONNX file with a batch
  dimension, written atomically.

torch, onnx and onnxruntime are optional extras (``pip install 'scalar-autograd[torch]'``,
``[onnx]``). Nothing here imports them until a function needs them, and ``import autograd``
never imports this package.
"""

from ._onnx import to_onnx
from ._torch import from_torch, to_torch

__all__ = ["from_torch", "to_onnx", "to_torch"]

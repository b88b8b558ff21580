"""Compatibility: the compiled tape lives in ``autograd.tape``; ``fit``'s step in ``autograd.compiled_step``."""

from .compiled_step import CompiledStep
from .tape import Compiled, GuardFailed, compile

__all__ = ["Compiled", "CompiledStep", "GuardFailed", "compile"]

"""Packages that are also functions: ``pathways.render`` and ``pathways.simulate``.

Each name is both a subpackage and that subpackage's main function, exported lazily from
``pathways``. Importing a submodule (``pathways.render.dot``) makes Python bind the *package*
to the attribute of ``pathways``, replacing the function; making the package callable keeps
``pathways.render(p, "out.svg")`` and ``pathways.simulate(p)`` working either way.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from typing import Any

__all__ = ["make_callable"]


def make_callable(module_name: str, function: Callable[..., Any]) -> None:
    """Make the (already imported) module ``module_name`` callable as ``function``."""

    class CallableModule(types.ModuleType):
        __doc__ = sys.modules[module_name].__doc__

        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            return function(*args, **kwargs)

    sys.modules[module_name].__class__ = CallableModule

"""The problem models (issue 20 §1): one module per model (or per small family), each registering on import.

Modules are found by name, so adding a model is adding a file: no list here to edit.
"""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

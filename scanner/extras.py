"""Optional extras: a command that needs one checks for it first and says how to install it."""

from __future__ import annotations

import importlib

from scanner.errors import MissingExtraError

#: extra -> (import name, distribution name) of everything it brings
EXTRAS = {
    "dicom": (("pydicom", "pydicom"), ("pynetdicom", "pynetdicom"), ("PIL", "Pillow")),
}


def require(extra: str, command: str) -> None:
    """Raise one clear line when a module of ``extra`` cannot be imported."""
    missing = []
    for module, distribution in EXTRAS[extra]:
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(distribution)
    if missing:
        raise MissingExtraError(f"{command} needs {', '.join(missing)} (the {extra} extra): "
                                f"pip install 'pacscan[{extra}]'")

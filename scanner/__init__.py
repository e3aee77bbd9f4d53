"""pacscan: HIPAA compliance scanner for dental and medical imaging infrastructure."""

__version__ = "0.1.0"
__all__ = ["__version__"]

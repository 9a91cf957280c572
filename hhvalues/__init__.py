"""HH-Values Studio: infer values from behaviour, for humans and models alike."""

__version__ = "0.1.0"

__all__ = ["__version__"]

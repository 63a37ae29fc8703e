"""Helpers for the course 'Convolutional neural networks, layer by layer'."""

__version__ = "0.1.0"

__all__ = ["__version__"]

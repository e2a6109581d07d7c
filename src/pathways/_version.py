"""The package version, in a module of its own so that any layer may read it without importing
the package's public face (``pathways/__init__.py``) from below."""

__version__ = "0.1.0"

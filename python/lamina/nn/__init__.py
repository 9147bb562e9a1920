"""``lamina.nn``: layers arrive with the dense-network work; ``functional`` is here already."""
from . import functional  # noqa: F401

"""torch-style path: ``lamina.nn.functional`` is ``lamina.functional``."""
from ..functional import *  # noqa: F401,F403
from ..functional import __all__  # noqa: F401

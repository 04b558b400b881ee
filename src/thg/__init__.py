"""thg: talking-head generation, evaluation and literature tools that run on a plain CPU.

Nothing is loaded at import time; each stage imports its heavy dependencies when first used.
"""

from thg.errors import ThgError

__version__ = "0.1.0"
__all__ = ["ThgError", "__version__"]

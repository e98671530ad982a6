"""regconform: requirement-by-requirement conformance tests for two registration APIs."""

from regconform._version import __version__
from regconform.errors import ConfigError, RegconformError

__all__ = ["ConfigError", "RegconformError", "__version__"]

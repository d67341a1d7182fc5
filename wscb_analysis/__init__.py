"""wscb_analysis: analytics for a children's safeguarding partnership.

Data flows one way: analyst's files -> validated frames (``io``) -> figures and
statistics (``metrics``, ``stats``) -> charts and sentences -> notebooks -> pack.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("wscb-analysis")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]

"""Everything that touches an analyst's files: schemas, loading, the data-quality report."""

from .load import Extract, ExtractError, load_extract, load_source
from .quality import quality_report

__all__ = ["Extract", "ExtractError", "load_extract", "load_source", "quality_report"]

"""Everything that touches an analyst's files: schemas, loading, the data-quality report."""

from .load import Extract, ExtractError, file_fingerprint, load_extract, load_source
from .quality import quality_report
from .schemas import describe_fields, fields_table

__all__ = ["Extract", "ExtractError", "describe_fields", "fields_table", "file_fingerprint",
           "load_extract", "load_source", "quality_report"]

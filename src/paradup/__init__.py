"""paradup (段落查重): find restated paragraphs and passages in Chinese news copy."""

from __future__ import annotations

from .check import check_documents, check_paths, check_text
from .config import CheckConfig
from .errors import InputError, ParadupError, UsageError
from .model import Change, CheckResult, FileSummary, Finding, Span
from .read import Document, read_document

__version__ = "0.1.0"

__all__ = [
    "Change",
    "CheckConfig",
    "CheckResult",
    "Document",
    "FileSummary",
    "Finding",
    "InputError",
    "ParadupError",
    "Span",
    "UsageError",
    "__version__",
    "check_documents",
    "check_paths",
    "check_text",
    "read_document",
]

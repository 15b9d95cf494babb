"""paradup (段落查重): find restated paragraphs and passages in Chinese news copy.

Library use: `check_paths`, `check_documents`, `check_text` and `check_against` (a draft against
an index `paradup index build` wrote) take a `CheckConfig` and, like
`paradup check`, leave out sentences inside off/on markers and those matching the byline
allow-list (`DEFAULT_ALLOW`; `allow=` to change it, `suppress=False` to compare everything).
They read no config file; for a project's `.paradup.toml` use `s = load_settings(paths)` and
`check_paths(paths, s.config, allow=s.allow_patterns())`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# The public names load on first use (PEP 562): `paradup --help` and the hook's cache hits
# must not pay for numpy, the segmenter and the alignment code.
_LAZY = {
    "check_against": "against",
    "check_documents": "check",
    "check_paths": "check",
    "check_text": "check",
    "CheckConfig": "config",
    "InputError": "errors",
    "ParadupError": "errors",
    "UsageError": "errors",
    "Change": "model",
    "CheckResult": "model",
    "FileSummary": "model",
    "Finding": "model",
    "Span": "model",
    "Document": "read",
    "read_document": "read",
    "DEFAULT_ALLOW": "settings",
    "Settings": "settings",
    "load_settings": "settings",
    "to_dict": "report.json",
}

if TYPE_CHECKING:
    from .against import check_against
    from .check import check_documents, check_paths, check_text
    from .config import CheckConfig
    from .errors import InputError, ParadupError, UsageError
    from .model import Change, CheckResult, FileSummary, Finding, Span
    from .read import Document, read_document
    from .report.json import to_dict
    from .settings import DEFAULT_ALLOW, Settings, load_settings


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'paradup' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_ALLOW",
    "Change",
    "CheckConfig",
    "CheckResult",
    "Document",
    "FileSummary",
    "Finding",
    "InputError",
    "ParadupError",
    "Settings",
    "Span",
    "UsageError",
    "__version__",
    "check_against",
    "check_documents",
    "check_paths",
    "check_text",
    "load_settings",
    "read_document",
    "to_dict",
]

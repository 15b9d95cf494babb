"""One check of read documents, shared by `paradup check` and `paradup serve`.

Markers and allow-listed bylines are taken out of the comparison exactly as the hook does, so
the command line and the review page report the same passages and the same 复制比.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

from .config import CheckConfig
from .model import CheckResult
from .read import Document


def check_docs(
    docs: Sequence[Document],
    config: CheckConfig,
    allow: Sequence[re.Pattern[str]],
    against: str | os.PathLike[str] | None = None,
    *,
    by_path: bool = True,
) -> CheckResult:
    """Findings inside `docs` (and, with `against`, of passages already in that archive index),
    after the off/on markers and the `allow` patterns are applied. `by_path`: the drafts'
    paths name files on this machine (an archived copy of one is not its own source)."""
    if against is not None:
        from .against import check_against

        return check_against(docs, os.fspath(against), config, allow, by_path=by_path)
    from .check import check_documents

    return check_documents(docs, config, allow=allow)

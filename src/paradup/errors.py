"""Exceptions and exit codes, kept in one documented place (like black's report.py)."""

from __future__ import annotations

EXIT_CLEAN = 0  # no findings
EXIT_FINDINGS = 1  # at least one finding (or a gate failed)
EXIT_USAGE = 2  # bad input or usage: one line naming the file and the fix


class ParadupError(Exception):
    """An error the user can fix; its message is one line that names the file and the fix."""

    exit_code = EXIT_USAGE


class InputError(ParadupError):
    """A file or directory that cannot be read as text."""

    def __init__(self, path: str, problem: str, fix: str) -> None:
        self.path = path
        self.problem = problem
        self.fix = fix
        super().__init__(f"{path}: {problem}; {fix}")


class UsageError(ParadupError):
    """Options that do not make sense together or are out of range."""

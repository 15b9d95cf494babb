"""Reporters: pure functions from a CheckResult to text. Writing is the caller's job."""

from __future__ import annotations

FORMATS = ("text", "json", "html")

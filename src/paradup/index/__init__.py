"""The persistent archive index: one SQLite file (WAL), no server."""

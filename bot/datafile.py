"""Notices the SQLite file vanishing under a running bot (a data folder deleted or replaced).

SQLite keeps writing into a deleted file through its open handle, so nothing fails: the
next restart simply starts empty and everyone is gone. The file's identity (device and
inode) is taken once the migrations have created it, and compared periodically and on
/healthz. Once it differs, the bot stops taking updates and running jobs, so Telegram keeps
the updates until an operator restores the file or restarts."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

# How often the file is looked at between health checks.
CHECK_SECONDS = 10.0


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return stat.st_dev, stat.st_ino


@dataclass
class DataFile:
    path: Path
    identity: tuple[int, int] | None = field(default=None)
    lost: bool = field(default=False)

    @classmethod
    def of(cls, database_url: str) -> DataFile | None:
        """The SQLite file behind `database_url`, as it is now; None for a server database."""
        url = make_url(database_url)
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return None
        path = Path(url.database).resolve()
        return cls(path, _identity(path))

    def intact(self) -> bool:
        """False once the file is gone or replaced; the first time, one error says so."""
        if not self.lost and _identity(self.path) != self.identity:
            self.lost = True
            log.error(
                "the database file %s was deleted or replaced while the bot ran: "
                "not taking updates until it is restored and the bot restarted",
                self.path,
            )
        return not self.lost

"""A member of a consumer group over the embedded log (LocalEventLog.subscribe).

Like a Kafka consumer, a member keeps its own position in memory (so successive polls move on
without committing) and starts from the group's committed offset; the committed offset is the only
shared state, in the log's `group_offsets` table. A commit only moves it forward (MAX in one
statement), so members committing in any interleaving never move the group back, and an offset
beyond the last published event is refused: everything at or below the committed offset was
handled by some member, nothing above it is skipped.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from craftology.adapters._sqlite import translate_errors
from craftology.errors import BadInput
from craftology.ports.events import Delivered

if TYPE_CHECKING:
    from craftology.adapters.events.local import LocalEventLog

GROUP = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
MAX_POLL = 10_000


def check_group(group: str) -> str:
    if not isinstance(group, str) or not GROUP.fullmatch(group):
        raise BadInput(
            f"invalid consumer group {group!r}: 1-200 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return group


class LocalConsumer:
    def __init__(self, log: LocalEventLog, group: str) -> None:
        self._log = log
        self._group = group
        self._position = 0  # the last offset handed to this member

    @property
    def group(self) -> str:
        return self._group

    def committed(self) -> int:
        with translate_errors(f"read offset of group {self._group}"):
            row = (
                self._log.connection()
                .execute('SELECT "offset" FROM group_offsets WHERE group_name = ?', (self._group,))
                .fetchone()
            )
        return int(row[0]) if row else 0

    def poll(self, limit: int = 100) -> list[Delivered]:
        if not 1 <= limit <= MAX_POLL:
            raise BadInput(f"limit must be between 1 and {MAX_POLL}")
        # Another member's commit may be ahead of this member: start from whichever is later.
        start = max(self._position, self.committed())
        batch = self._log.read(after=start, limit=limit)
        self._position = batch[-1].offset if batch else start
        return batch

    def commit(self, offset: int) -> None:
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise BadInput(f"an offset is a whole number from 0, not {offset!r}")
        with translate_errors(f"commit offset of group {self._group}"):
            cursor = self._log.connection().execute(
                'INSERT INTO group_offsets (group_name, "offset") '
                'SELECT ?, ? WHERE ? <= (SELECT COALESCE(MAX("offset"), 0) FROM events) '
                'ON CONFLICT (group_name) DO UPDATE SET "offset" = MAX("offset", excluded."offset")',
                (self._group, offset, offset),
            )
        if cursor.rowcount == 0:
            raise BadInput(f"offset {offset} is beyond the last event of the log")

    def close(self) -> None:
        self._position = 0

"""The rules of incoming documents, as plain functions on a session (docs/domain.md §5):
receive (electronic delivery into the inbox, or paper / outside intake), refuse, register
with a gap-free number, direct, process, complete, and the lists that track them.

Every step is an audit event; every status an internal sender should see is an
``ExchangeStatus`` row (codes 01–06).

One module per topic, all names re-exported here (``from app.incoming import services``):

- ``common``      text cleaning, the symbol parser, heads and clerks, statuses to the sender
- ``entry``       the register entry: fields, duplicates, signature verdict, number
- ``inbox``       delivery into the inbox, paper / outside intake, registration, refusal
- ``direction``   the head's direction and the sub-assignment
- ``processing``  notes, reading, completion
- ``queries``     the tracking lists, the top bar's counts, the lists' signature verdicts

Who may see and do what is app/incoming/policy.py; its names are re-exported here too.
"""

from app.incoming.policy import (
    can_complete,
    is_unit_clerk,
    is_unit_head,
    sees_whole_unit,
    todo_clause,
)
from app.incoming.policy import member_clause as visible_clause  # its name before the policy
from app.incoming.services.common import (
    NUMBER_SERIES,
    STATUS_LISTENERS,
    StatusListener,
    nfc,
    now_local_time,
    parse_symbol,
    send_status,
)
from app.incoming.services.direction import (
    Party,
    assign,
    default_deadline,
    sub_assign,
)
from app.incoming.services.entry import (
    DuplicateFound,
    Entry,
    check_entry,
    find_duplicates,
)
from app.incoming.services.inbox import (
    FileCheck,
    Uploads,
    cancel,
    deliver,
    intake,
    log,
    refuse,
    register,
    store_upload,
)
from app.incoming.services.processing import (
    add_note,
    complete,
    mark_read,
    my_assignments,
)
from app.incoming.services.queries import (
    TRACKING,
    counts_for,
    days_overdue,
    near_due_limit,
    read_page_parts,
    tracking_clause,
)

__all__ = [
    "NUMBER_SERIES", "STATUS_LISTENERS", "TRACKING", "DuplicateFound", "Entry", "FileCheck",
    "Party", "StatusListener", "Uploads", "add_note", "assign", "can_complete", "cancel",
    "check_entry", "complete", "counts_for", "days_overdue", "default_deadline", "deliver",
    "find_duplicates", "intake", "is_unit_clerk", "is_unit_head", "log", "mark_read",
    "my_assignments", "near_due_limit", "nfc", "now_local_time", "parse_symbol",
    "read_page_parts", "refuse",
    "register", "sees_whole_unit", "send_status", "store_upload", "sub_assign", "todo_clause",
    "tracking_clause", "visible_clause",
]

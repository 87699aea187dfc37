"""The built-in roles and their permissions, as code.

``flask qlvb sync-roles`` writes them to the database at deploy; the admin sees them in
FAB's security UI, may create further roles there, and any change made there to a built-in
role is returned to this list at the next sync. Menu entries follow read access: a role
sees a menu entry exactly when it may read the resource behind it."""

# FAB's method names mapped to these actions, for views and APIs alike (kept in core, which
# the features' base views are built on).
from app.core.methods import CRUD_METHODS  # noqa: F401

# Role names (what the admin sees in the security UI).
ROLE_ADMIN = "Quản trị hệ thống"
ROLE_OFFICE = "Văn phòng"
ROLE_HEAD = "Lãnh đạo"
ROLE_CLERK = "Văn thư"
ROLE_OFFICIAL = "Chuyên viên"
ROLE_UNIT_ADMIN = "Quản trị đơn vị"
ROLE_ARCHIVE = "Lưu trữ cơ quan"   # the agency archive: checks and accepts transfers
ROLE_PUBLIC = "Public"

BUILTIN_ROLES = (ROLE_ADMIN, ROLE_OFFICE, ROLE_HEAD, ROLE_CLERK, ROLE_OFFICIAL, ROLE_UNIT_ADMIN,
                 ROLE_ARCHIVE)

# Roles a unit IT officer may give to the accounts of their own unit.
UNIT_ASSIGNABLE_ROLES = (ROLE_HEAD, ROLE_CLERK, ROLE_OFFICIAL, ROLE_UNIT_ADMIN)

# Roles whose holders see every unit's records (read-only unless granted more).
SCOPE_BYPASS_ROLES = (ROLE_ADMIN, ROLE_OFFICE)

# Resources (view menu names shared by a feature's screens and API).
UNIT = "Unit"
DOCUMENT_TYPE = "DocumentType"
TERM = "Term"
CALENDAR = "Calendar"
AUDIT = "AuditEvent"
INCIDENT = "Incident"
NOTIFICATION = "Notification"
UNIT_ACCOUNT = "UnitAccount"
LOGIN_LOCK = "LoginLock"            # time-limited sign-in locks (app/security/lockout.py)
ACCOUNT = "Account"
INCOMING = "IncomingDocument"
REJECTION = "IncomingRejection"
READER_GRANT = "IncomingReaderGrant"
OUTGOING = "OutgoingDocument"
NUMBER_SERIES = "NumberSeries"
TRUST_ANCHOR = "TrustAnchor"
BACKGROUND_JOB = "BackgroundJob"    # Tác vụ nền (app/jobs), the system admin's only
MY_JOB = "MyJob"                    # the progress and result of a job one asked for
QUARANTINE = "Quarantine"          # documents withheld for a secrecy marking (app/ocr)
EXCHANGE_PEER = "ExchangePeer"      # Liên thông peers (app/exchange), the system admin's only
SEARCH = "Search"
REGISTER = "Register"              # sổ đăng ký đến / đi / theo dõi giải quyết
REPORT = "Report"                  # statistics and reports of a unit
USAGE = "UsageEvaluation"          # the office's evaluation of every unit (Điều 4.1, 9)
REGISTER_COLUMN = "RegisterColumn"  # the admin's register columns
WORK_FILE = "WorkFile"             # hồ sơ công việc (app/records)
FILE_PLAN = "FilePlan"             # danh mục hồ sơ
RETENTION = "RetentionRule"        # the retention schedule, the system admin's
TRANSFER = "Transfer"              # đợt nộp lưu to the agency archive

# Actions.
READ = "can_read"
WRITE = "can_write"
HANDLE = "can_handle"
DOWNLOAD = "can_download"
LOCK = "can_lock"
REPORT_COMPROMISE = "can_report_compromise"
INTAKE = "can_intake"      # receive, register, refuse, cancel (văn thư)
ASSIGN = "can_assign"      # direct and assign (lãnh đạo)
PROCESS = "can_process"    # work on what is assigned (everyone who may be assigned)
DRAFT = "can_draft"        # draft outgoing documents and route them (trình)
SIGN = "can_sign"          # approve and sign outgoing documents (lãnh đạo)
ISSUE = "can_issue"        # number, register, attach the signed file, issue, recall (văn thư)
APPROVE = "can_approve"    # approve the file plan (lãnh đạo)
ARCHIVE = "can_archive"    # check and accept transfers, reopen a closed file (lưu trữ)

# What every signed-in user may do for themselves.
SELF_SERVICE = [
    ("can_userinfo", "UserDBModelView"),
    ("resetmypassword", "UserDBModelView"),
    ("userinfoedit", "UserDBModelView"),
    ("can_this_form_get", "ResetMyPasswordView"),
    ("can_this_form_post", "ResetMyPasswordView"),
    ("can_this_form_get", "UserInfoEditView"),
    ("can_this_form_post", "UserInfoEditView"),
    ("can_get", "MenuApi"),
    (READ, NOTIFICATION),
    (WRITE, NOTIFICATION),
    (READ, MY_JOB),
    (REPORT_COMPROMISE, ACCOUNT),
    (READ, INCIDENT),
    (WRITE, INCIDENT),
    (DOWNLOAD, INCIDENT),
]

_REFERENCE_READ = [(READ, UNIT), (READ, DOCUMENT_TYPE), (READ, TERM), (READ, CALENDAR)]

_INCOMING_READ = [(READ, INCOMING), (DOWNLOAD, INCOMING)]
_OUTGOING_READ = [(READ, OUTGOING), (DOWNLOAD, OUTGOING)]
# Tra cứu, and the user's own saved searches; what it finds follows the read rights above.
_SEARCH = [(READ, SEARCH), (WRITE, SEARCH)]
_REGISTERS = [(READ, REGISTER), (READ, REPORT)]
# Hồ sơ công việc: everyone reads the plan and the schedule and keeps their own files.
_RECORDS_READ = [(READ, WORK_FILE), (READ, FILE_PLAN), (READ, RETENTION)]
_RECORDS = _RECORDS_READ + [(WRITE, WORK_FILE)]

ROLE_CONFIGS = {
    # The system admin holds every permission (written by sync from all registered views).
    ROLE_ADMIN: None,
    ROLE_OFFICE: SELF_SERVICE + _REFERENCE_READ + _INCOMING_READ + _OUTGOING_READ + _SEARCH + [
        (READ, AUDIT), (HANDLE, INCIDENT), (READ, REJECTION), (READ, USAGE),
        (READ, QUARANTINE), (WRITE, QUARANTINE),
    ] + _REGISTERS + _RECORDS_READ + [(READ, TRANSFER)],
    ROLE_HEAD: SELF_SERVICE + _REFERENCE_READ + _INCOMING_READ + _OUTGOING_READ + _SEARCH + [
        (ASSIGN, INCOMING), (PROCESS, INCOMING), (READ, REJECTION),
        (DRAFT, OUTGOING), (SIGN, OUTGOING),
        (READ, READER_GRANT), (WRITE, READER_GRANT),
    ] + _REGISTERS + _RECORDS + [(WRITE, FILE_PLAN), (APPROVE, FILE_PLAN), (READ, TRANSFER),
                                 (WRITE, TRANSFER)],
    ROLE_CLERK: SELF_SERVICE + _REFERENCE_READ + _INCOMING_READ + _OUTGOING_READ + _SEARCH + [
        (INTAKE, INCOMING), (PROCESS, INCOMING), (READ, REJECTION),
        (DRAFT, OUTGOING), (ISSUE, OUTGOING), (READ, NUMBER_SERIES), (WRITE, NUMBER_SERIES),
    ] + _REGISTERS + _RECORDS + [(WRITE, FILE_PLAN), (READ, TRANSFER), (WRITE, TRANSFER)],
    ROLE_OFFICIAL: SELF_SERVICE + _REFERENCE_READ + _INCOMING_READ + _OUTGOING_READ + _SEARCH + [
        (PROCESS, INCOMING), (DRAFT, OUTGOING),
    ] + _RECORDS,
    ROLE_UNIT_ADMIN: SELF_SERVICE + _REFERENCE_READ + [
        (READ, UNIT_ACCOUNT), (WRITE, UNIT_ACCOUNT), (LOCK, UNIT_ACCOUNT), (HANDLE, INCIDENT),
        (READ, LOGIN_LOCK), (LOCK, LOGIN_LOCK),
    ],
    # The agency archive (Lưu trữ cơ quan): every unit's files, read-only, and the
    # transfers it checks; it reopens a closed file with a reason.
    ROLE_ARCHIVE: SELF_SERVICE + _REFERENCE_READ + _RECORDS_READ + [
        (READ, TRANSFER), (ARCHIVE, TRANSFER), (ARCHIVE, WORK_FILE),
    ],
}

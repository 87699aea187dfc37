"""Time-limited sign-in locks that an attacker cannot turn against the account's owner.

Failures are counted per (account, client address). ``AUTH_MAX_FAILED_LOGINS`` of them
lock that address for that account for the first period of ``AUTH_LOCKOUT_MINUTES``
(15 min), the next lock of the same key for the next period (1 h, 4 h, 24 h; the last
repeats). Someone guessing from one address thus locks only themselves, while the owner
signs in from theirs; the rate limits (Flask-Limiter) slow them further.

Against guessing spread over many addresses, the account's failures from every address
are also counted (the row of address ``*``): ``AUTH_MAX_FAILED_LOGINS_ACCOUNT`` of them
lock the account for every address except those it signed in from successfully in the
last ``AUTH_TRUSTED_ADDRESS_DAYS``: the owner at their usual desk keeps working.

A key without failures for ``AUTH_LOCKOUT_RESET_HOURS`` starts again from the first
period; a successful sign-in clears its address's count. Locks end by themselves; the
admin (or the unit IT officer, for the accounts they may manage) sees the current ones and
lifts them. Each lock and each lift is an audit event. The permanent lock (reported
compromised, locked by an administrator: ``services.lock_account``) is another thing: it
stays until lifted.

Every change locks its row first (an upsert that takes the write lock on SQLite, then
``SELECT … FOR UPDATE`` on PostgreSQL), so that concurrent failures never lose a count."""

from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from app.core import audit
from app.core.timeutil import fmt_datetime, utcnow
from app.security.models import ANY_ADDRESS, LoginGuard
from app.security.services import account_guardians
from app.security.signals import account_alert


def _settings(config):
    periods = []
    for part in str(config.get("AUTH_LOCKOUT_MINUTES", "15,60,240,1440")).split(","):
        part = part.strip()
        if part.isdigit() and int(part) > 0:
            periods.append(timedelta(minutes=int(part)))
    return {
        "per_address": int(config.get("AUTH_MAX_FAILED_LOGINS", 5) or 0),
        "per_account": int(config.get("AUTH_MAX_FAILED_LOGINS_ACCOUNT", 20) or 0),
        "periods": periods or [timedelta(minutes=15)],
        "reset": timedelta(hours=int(config.get("AUTH_LOCKOUT_RESET_HOURS", 24))),
        "trusted": timedelta(days=int(config.get("AUTH_TRUSTED_ADDRESS_DAYS", 30))),
    }


def lock_period(level, config):
    """How long the lock number ``level`` (0 for the first) of a key lasts."""
    periods = _settings(config)["periods"]
    return periods[min(level, len(periods) - 1)]


def _insert_ignore(session, user_id, address):
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(LoginGuard).values(
        user_id=user_id, address=address, failures=0, level=0,
    ).on_conflict_do_nothing(index_elements=["user_id", "address"]))


def _locked_row(session, user_id, address):
    """The row of (account, address), created if missing and locked for the transaction:
    the upsert takes SQLite's write lock, ``FOR UPDATE`` PostgreSQL's row lock."""
    _insert_ignore(session, user_id, address)
    return session.execute(
        select(LoginGuard).where(LoginGuard.user_id == user_id, LoginGuard.address == address)
        .options(lazyload(LoginGuard.user)).with_for_update(of=LoginGuard)
        .execution_options(populate_existing=True)
    ).scalar_one()


def _rows(session, user_id, addresses):
    found = session.execute(
        select(LoginGuard).where(LoginGuard.user_id == user_id,
                                 LoginGuard.address.in_(addresses))
        .execution_options(populate_existing=True)
    ).scalars().all()
    return {row.address: row for row in found}


def is_trusted(row, config, now=None):
    """Whether the account signed in successfully from this row's address lately."""
    now = now or utcnow()
    return bool(row is not None and row.last_success_at is not None
                and now - row.last_success_at <= _settings(config)["trusted"])


def current_lock(session, user, address, config, now=None):
    """The lock that refuses ``user`` signing in from ``address`` now, or None."""
    now = now or utcnow()
    rows = _rows(session, user.id, [address, ANY_ADDRESS])
    mine, every = rows.get(address), rows.get(ANY_ADDRESS)
    if mine is not None and mine.locked_until is not None and mine.locked_until > now:
        return mine
    if (every is not None and every.locked_until is not None and every.locked_until > now
            and not is_trusted(mine, config, now)):
        return every
    return None


def refusal_message(row):
    return _("Sign-ins to this account from your address are locked until %(until)s after "
             "repeated wrong passwords. Try again later, sign in from the computer you "
             "usually use, or ask the administrator or your unit's IT officer to lift the "
             "lock.", until=fmt_datetime(row.locked_until))


def record_failure(session, user, address, config, now=None):
    """Count a wrong password for ``user`` from ``address`` (and from any address); lock
    a key that reaches its limit. Returns the locks made (rows)."""
    now = now or utcnow()
    cfg = _settings(config)
    made = []
    # Always the address's row before the account's: concurrent attempts lock in the
    # same order and never deadlock.
    for key, limit in ((address, cfg["per_address"]), (ANY_ADDRESS, cfg["per_account"])):
        if not limit:
            continue
        row = _locked_row(session, user.id, key)
        if row.locked_until is not None and row.locked_until > now:
            continue  # an attempt that raced with the lock: already counted enough
        if row.last_failure_at is not None and now - row.last_failure_at > cfg["reset"]:
            row.failures, row.level = 0, 0
        row.failures += 1
        row.last_failure_at = now
        if row.failures >= limit:
            period = cfg["periods"][min(row.level, len(cfg["periods"]) - 1)]
            row.locked_until = now + period
            row.level += 1
            failures, row.failures = row.failures, 0
            audit.record(session, "login_locked", user, user=user, details={
                "username": user.username, "address": key, "failures": failures,
                "until": row.locked_until.isoformat(timespec="seconds"),
                "minutes": int(period.total_seconds() // 60), "level": row.level})
            account_alert.send(
                user, session=session, recipients=account_guardians(session, user),
                message=_l("Sign-ins to account %(name)s are locked until %(until)s after "
                          "%(n)d wrong passwords (%(where)s).", name=user.username,
                          until=fmt_datetime(row.locked_until), n=failures,
                          where=describe_address(key)),
                link="/loginlocks/list/", urgent=False)
            made.append(row)
    return made


def record_success(session, user, address, now=None):
    """``user`` signed in from ``address``: it becomes one of their usual addresses and
    its count starts again (the account-wide count does not: others may still be
    guessing)."""
    row = _locked_row(session, user.id, address)
    row.failures, row.level = 0, 0
    row.locked_until = None
    row.last_success_at = now or utcnow()


def describe_address(address):
    if address == ANY_ADDRESS:
        return _("every address but those the account usually signs in from")
    return _("from %(address)s", address=address)


def lift(session, row, actor, now=None):
    """End the lock of ``row`` now and forget its count (the admin's or the unit IT
    officer's decision). Returns whether there was a current lock."""
    now = now or utcnow()
    row = _locked_row(session, row.user_id, row.address)
    if row.locked_until is None or row.locked_until <= now:
        return False
    audit.record(session, "login_lock_lifted", row.user, user=actor, details={
        "username": row.user.username, "address": row.address,
        "until": row.locked_until.isoformat(timespec="seconds")})
    row.locked_until = None
    row.failures, row.level = 0, 0
    return True


def lift_all(session, user, actor, now=None):
    """Lift every current sign-in lock of ``user``; returns how many there were."""
    now = now or utcnow()
    ids = session.execute(select(LoginGuard.id).where(
        LoginGuard.user_id == user.id, LoginGuard.locked_until > now)).scalars().all()
    lifted = 0
    for row in session.execute(select(LoginGuard).where(LoginGuard.id.in_(ids))).scalars():
        lifted += lift(session, row, actor, now)
    return lifted


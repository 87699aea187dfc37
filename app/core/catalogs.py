"""The translation catalogs are part of every start: a deployment that never ran
``make translations-compile`` (the .mo files are build products, not in the repository)
would otherwise serve every page in English."""

import logging
import os
import tempfile
import time

log = logging.getLogger(__name__)


def _directories(setting):
    if not setting:
        return []
    if isinstance(setting, str):
        setting = setting.split(";")
    return [d for d in setting if d and os.path.isdir(d)]


def stale_catalogs(directory):
    """The ``(po, mo)`` pairs under ``directory`` whose .mo is missing or older than its .po."""
    found = []
    for lang in sorted(os.listdir(directory)):
        messages = os.path.join(directory, lang, "LC_MESSAGES")
        if not os.path.isdir(messages):
            continue
        for name in sorted(os.listdir(messages)):
            if not name.endswith(".po"):
                continue
            po = os.path.join(messages, name)
            mo = po[:-3] + ".mo"
            if not os.path.exists(mo) or os.path.getmtime(mo) < os.path.getmtime(po):
                found.append((po, mo))
    return found


def compile_catalog(po, mo):
    """Write ``mo`` from ``po`` atomically (several workers may start at once)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with open(po, "rb") as fh:
        catalog = read_po(fh)
    fd, tmp = tempfile.mkstemp(prefix=".messages-", suffix=".mo", dir=os.path.dirname(mo))
    try:
        with os.fdopen(fd, "wb") as out:
            write_mo(out, catalog)
        os.chmod(tmp, 0o644)
        os.replace(tmp, mo)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def ensure_compiled(setting):
    """Compile every stale catalog of the translation directories ``setting`` (a path, a
    ";"-separated string or a list). A directory that cannot be written is not fatal:
    the app starts, and the error says that its pages will be in English. Returns the
    .mo files written."""
    written = []
    for directory in _directories(setting):
        for po, mo in stale_catalogs(directory):
            started = time.monotonic()
            try:
                compile_catalog(po, mo)
            except OSError as error:
                log.error("translations: cannot compile %s (%s); pages will not be translated "
                          "until `make translations-compile` is run", po, error)
                continue
            written.append(mo)
            log.info("translations: compiled %s (%.0f ms)", mo,
                     (time.monotonic() - started) * 1000)
    return written

"""The name a download is saved under: Vietnamese, folded to ASCII for the plain
``filename`` (``sổ đăng ký văn bản đến HU 2026-11.pdf`` →
``so-dang-ky-van-ban-den-HU-2026-11.pdf``), the Unicode name in ``filename*``
(RFC 5987/6266) for the browsers that read it."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import IO
from urllib.parse import quote

from flask import Response, send_file

_NOT_NAME = re.compile(r"[^A-Za-z0-9.]+")


def ascii_fold(name: str) -> str:
    """``name`` without accents (đ → d), every run of other characters one "-", the
    case kept; never empty."""
    text = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    stem, dot, ext = text.rpartition(".")
    if not dot or not stem or not ext.isalnum():
        stem, ext = text, ""
    stem = _NOT_NAME.sub("-", stem.replace(".", "-")).strip("-") or "tep"
    ext = _NOT_NAME.sub("", ext)
    return f"{stem}.{ext}" if ext else stem


def content_disposition(name: str, inline: bool = False) -> str:
    """The Content-Disposition header value for a file saved as ``name``."""
    kind = "inline" if inline else "attachment"
    # One line, no folder separators (an upload's name or a number like 12/2026).
    unicode_name = " ".join(name.replace("/", "-").replace("\\", "-").split())
    return (f'{kind}; filename="{ascii_fold(unicode_name)}"; '
            f"filename*=UTF-8''{quote(unicode_name, safe='!#$&+-.^_`|~')}")


def named(response: Response, name: str, inline: bool = False) -> Response:
    """``response`` saved as ``name`` (see ``content_disposition``)."""
    response.headers["Content-Disposition"] = content_disposition(name, inline)
    return response


def send_named(source: str | IO[bytes], name: str, mimetype: str,
               inline: bool = False) -> Response:
    """``send_file`` of ``source`` (a path or a file object) saved as ``name``."""
    response = send_file(source, mimetype=mimetype, as_attachment=not inline,
                         download_name=ascii_fold(name))
    return named(response, name, inline)


def period_part(start: date, end: date) -> str:
    """A period in a file name: ``2026-11`` (a month), ``2026`` (a year), else
    ``01-11-2026 đến 15-11-2026``."""
    import calendar

    if start.day == 1 and start.year == end.year:
        if start.month == end.month and end.day == calendar.monthrange(end.year,
                                                                        end.month)[1]:
            return f"{start:%Y-%m}"
        if (start.month, end.month, end.day) == (1, 12, 31):
            return f"{start:%Y}"
    return f"{start:%d-%m-%Y} đến {end:%d-%m-%Y}"

"""Why a package is refused. Each error is a ``DomainError`` (views and services already
turn those into messages) that keeps its message lazy, so it reads in the language of
whoever looks at it, and names the field it is about: the edXML path (``Code/CodeNumber``,
``To[2]/OrganName``) when it comes from a package, our field name (``symbol``) when it
comes from our data (``app.exchange.fields``)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.core.errors import DomainError


class ExchangeError(DomainError):
    """A package cannot be read or written; ``field`` names what is wrong, when one is."""

    def __init__(self, message: Any, field: str | None = None, path: str | None = None) -> None:
        Exception.__init__(self, message)
        self._message = message
        self.field = field
        # The edXML path, when ``field`` was renamed to our field name.
        self.path = path or field

    @property
    def message(self) -> str:
        return str(self._message)

    def __str__(self) -> str:
        return str(self._message)


class PackageTooLarge(ExchangeError):
    def __init__(self, limit: int) -> None:
        super().__init__(_l("The package is larger than %(limit)d bytes.", limit=limit))
        self.limit = limit


class MalformedPackage(ExchangeError):
    """Not well-formed XML, or not an edXML package at all."""

    def __init__(self, detail: str) -> None:
        super().__init__(_l("The package is not well-formed XML: %(detail)s", detail=detail))
        self.detail = detail


class HostilePackage(ExchangeError):
    """A DOCTYPE, an entity declaration or reference: refused before anything is read."""

    def __init__(self) -> None:
        super().__init__(_l("The package declares a DOCTYPE or entities; it is refused."))


class WrongNamespace(ExchangeError):
    def __init__(self, root: str) -> None:
        super().__init__(_l("The package is not an edXML package (QCVN 102:2016): its root is "
                            "%(root)s.", root=root), field="edXML")
        self.root = root


class MissingField(ExchangeError):
    def __init__(self, field: str) -> None:
        super().__init__(_l("The field %(field)s is missing.", field=field), field=field)


class FieldTooLong(ExchangeError):
    def __init__(self, field: str, limit: int) -> None:
        super().__init__(_l("The field %(field)s is longer than %(limit)d characters.",
                            field=field, limit=limit), field=field)
        self.limit = limit


class InvalidField(ExchangeError):
    def __init__(self, field: str, value: str) -> None:
        super().__init__(_l("The field %(field)s has an invalid value: %(value)s.", field=field,
                            value=value[:80]), field=field)
        self.value = value


class AttachmentError(ExchangeError):
    """An attachment cannot be taken: bad base64, too large, a nested archive, a bomb."""

    def __init__(self, message: Any, field: str, reason: str) -> None:
        super().__init__(message, field=field)
        self.reason = reason


def bad_base64(field: str, name: str) -> AttachmentError:
    return AttachmentError(_l("The attachment %(name)s is not valid base64.", name=name),
                           field, "base64")


def attachment_too_large(field: str, name: str, limit: int) -> AttachmentError:
    return AttachmentError(_l("The attachment %(name)s is larger than %(limit)d bytes.",
                              name=name, limit=limit), field, "too_large")


def nested_archive(field: str, name: str) -> AttachmentError:
    return AttachmentError(_l("The archive %(name)s holds another archive; nested archives are "
                              "refused.", name=name), field, "nested")


def archive_bomb(field: str, name: str) -> AttachmentError:
    return AttachmentError(_l("The archive %(name)s expands too much (an archive bomb?); it is "
                              "refused.", name=name), field, "bomb")


def unreadable_archive(field: str, name: str) -> AttachmentError:
    return AttachmentError(_l("The archive %(name)s cannot be opened.", name=name), field,
                           "unreadable")

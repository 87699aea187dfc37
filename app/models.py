"""Imports every model so that the metadata (and Alembic) sees them all."""

from app.core.audit import AuditEvent  # noqa: F401
from app.core.calendar import CalendarDay  # noqa: F401
from app.core.numbering import NumberCounter  # noqa: F401
from app.core.staging import StagedUpload  # noqa: F401
from app.exchange.models import ExchangeMessage, ExchangePeer, SeenSignature  # noqa: F401
from app.incidents.models import Incident  # noqa: F401
from app.incoming.models import (  # noqa: F401
                                 Assignment,
                                 ExchangeStatus,
                                 IncomingDocument,
                                 IncomingFile,
                                 ProgressNote,
                                 ReaderGrant,
                                 Rejection,
)
from app.jobs.models import Job  # noqa: F401
from app.notifications.models import Notification  # noqa: F401
from app.ocr.models import OcrScan, Quarantine  # noqa: F401
from app.outgoing.models import (  # noqa: F401
                                 CancelledNumber,
                                 NumberSeries,
                                 OutgoingDocument,
                                 OutgoingFile,
                                 Recipient,
                                 RouteStep,
)
from app.records.models import (  # noqa: F401
                                FileItem,
                                FilePlan,
                                PlanEntry,
                                PlanHeading,
                                RetentionRule,
                                TransferBatch,
                                TransferLine,
                                WorkFile,
)
from app.reference.models import DocumentType, Term  # noqa: F401
from app.registers.models import RegisterColumn  # noqa: F401
from app.search.models import SavedSearch, SearchDocument  # noqa: F401
from app.security.models import AppUser  # noqa: F401
from app.security.stamp import SecurityStamp  # noqa: F401
from app.trust.models import TrustAnchor  # noqa: F401
from app.units.models import Unit  # noqa: F401

"""The layers of app/ hold (``.importlinter``: the web shell above the features, the
features above core, core importing no feature, no package cycle), and what the features
contribute to the layers below them is wired when the app is built, once, however many
apps are built."""

import io
import os
from contextlib import redirect_stdout

from importlinter import configuration
from importlinter.application.use_cases import lint_imports

from app import create_app
from app.core import registry
from app.exchange import outbox
from app.incoming import services as incoming
from app.outgoing import services as outgoing
from app.outgoing.services import on_incoming_status
from app.security.signals import account_alert, account_compromised
from config import TestConfig

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_the_import_contracts_are_kept():
    configuration.configure()  # what the lint-imports command sets up first
    report = io.StringIO()
    with redirect_stdout(report):
        kept = lint_imports(config_filename=os.path.join(ROOT, ".importlinter"),
                            cache_dir=None, no_logo=True)
    assert kept, report.getvalue()


def test_features_register_their_part_when_the_app_is_built(app, tmp_path):
    contributions = registry.contributions(app)
    assert list(contributions.top_bar) == ["unread", "recent", "work", "outgoing"]
    assert list(contributions.landing) == ["registers", "records"]
    assert set(contributions.services) == {"incoming_slip_pdf", "answer_recall", "filed_codes",
                                           "scan_first_page", "searchable_copy",
                                           "file_withheld", "exchange_states"}
    assert account_alert.receivers and account_compromised.receivers
    # Another app: its own contributions, and the listeners are not doubled.
    other = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/other.db",
                       STORAGE_DIR=str(tmp_path / "files"))
    assert registry.contributions(other) is not contributions
    assert list(registry.contributions(other).top_bar) == list(contributions.top_bar)
    assert incoming.STATUS_LISTENERS.count(on_incoming_status) == 1
    assert incoming.STATUS_LISTENERS.count(outbox.on_incoming_status) == 1
    assert outgoing.ISSUE_LISTENERS.count(outbox.on_issued) == 1
    assert len(account_alert.receivers) == len(account_compromised.receivers) == 1

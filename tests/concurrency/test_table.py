"""The table of transitions: its states are the models' states, and the README shows it
as it is."""

import os

from app.core import workflow
from app.incoming import models as incoming
from app.outgoing import models as outgoing


def test_the_enums_are_the_stored_values():
    assert {str(s) for s in workflow.IncomingState} == set(incoming.STATES)
    assert {str(s) for s in workflow.OutgoingState} == set(outgoing.STATES)
    assert {str(s) for s in workflow.ExchangeCode} == set(incoming.EXCHANGE_STATUS)
    assert {str(s) for s in workflow.RecipientStatus} == set(outgoing.RECIPIENT_STATUS)


def test_every_transition_names_known_states():
    enums = {workflow.INCOMING: workflow.IncomingState, workflow.OUTGOING:
             workflow.OutgoingState, workflow.RECIPIENT: workflow.RecipientStatus,
             workflow.WORK_FILE: workflow.FileState, workflow.TRANSFER: workflow.TransferState}
    for t in workflow.TRANSITIONS.values():
        states = set(enums[t.kind])
        assert t.sources and set(t.sources) <= states, t
        assert t.target is None or t.target in states, t
        assert str(t.refusal)


def test_the_readme_shows_the_table():
    root = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
    with open(os.path.join(root, "README.md"), encoding="utf-8") as fh:
        readme = fh.read()
    assert workflow.readme_table() in readme

"""What the account rules announce. The features above security listen (connected by their
``init_app`` when the app is built), so that security imports none of them: notifications
tell the people concerned, incidents open the report of a compromised account."""

from flask.signals import Namespace

_signals = Namespace()

# Sender: the account. Keywords: session, recipients (users), message, link, urgent.
# The account's guardians must hear about a problem with it (a lock, a sign-in lock).
account_alert = _signals.signal("account-alert")

# Sender: the account. Keywords: session, description. Its owner lost control of it
# (Quy chế Điều 4.2.b); a receiver returns the incident it opened.
account_compromised = _signals.signal("account-compromised")

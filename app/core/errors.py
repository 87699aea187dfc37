"""The one exception a rule raises when input breaks it; views turn it into a message."""


class DomainError(Exception):
    """A rule was broken; ``str(error)`` is the translated message for the user."""

    def __init__(self, message, field=None):
        super().__init__(str(message))
        self.message = str(message)
        self.field = field

    def __str__(self):
        return self.message

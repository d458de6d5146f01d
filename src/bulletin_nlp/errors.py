"""Named exceptions; the CLI turns each into one clean line naming the file and reason."""


class BulletinError(Exception):
    """Base class of the errors bulletin_nlp reports to users."""


class InputError(BulletinError):
    """An input file cannot be read or decoded."""


class RulesError(BulletinError):
    """A rules file is missing, malformed or fails validation."""


class OffsetError(BulletinError):
    """A span's offsets do not reproduce its text in the raw source."""


class StoreError(BulletinError):
    """The database cannot be opened or written."""

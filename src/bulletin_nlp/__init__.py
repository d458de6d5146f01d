"""bulletin_nlp: Chinese social-work bulletins to a SQLite database of source-linked facts."""

__version__ = "0.1.0"
#: Bumped whenever a change to the code alters what is extracted; stored with every row.
PIPELINE_VERSION = "0.1.0"

"""Tailor's origin: event ingest, consent and data subjects, catalog admin, signed bundles, push.

`origin.app.create_app(config)` builds the Starlette service; `origin.cli.main` is the
`tailor` command. All SQL lives in `origin.storage` so another database can replace SQLite
without touching routes or training.
"""

__version__ = "0.1.0"

"""Persistence: SQLAlchemy 2 async models, the repository and Alembic migrations."""

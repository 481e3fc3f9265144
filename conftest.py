"""Test session set-up shared by every test: the database server and fast settings."""

import os

import pytest


@pytest.fixture(scope="session")
def django_db_modify_db_settings():
    """Start the embedded PostgreSQL before pytest-django creates the test database."""
    if not os.environ.get("DATABASE_URL"):
        from django.conf import settings

        from portal import embedded_db

        # The server may have started only now: point the (shared) settings dict at it.
        settings.DATABASES["default"].update(embedded_db.start())


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    # Real hashing costs ~0.7 s per check on our machines; tests measure behaviour, not PBKDF2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests read English unless they ask for Czech (the portal's default is Czech).
    settings.LANGUAGE_CODE = "en"

"""Health endpoints for load balancers: live without the database, ready when the primary
answers and the outbox is not stuck; unauthenticated, and revealing nothing else."""

import datetime

import pytest
from django.utils import timezone

from tests.factories import OutgoingEmailFactory

pytestmark = pytest.mark.django_db


def test_live_answers_without_anything_else(client):
    response = client.get("/health/live")
    assert response.status_code == 200 and response.json() == {"status": "live"}


def test_ready_checks_the_database_and_the_outbox(client):
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "outbox": "ok"}}


def test_an_outbox_stuck_for_long_is_not_ready(client):
    OutgoingEmailFactory(
        body_text="secret words", next_attempt_at=timezone.now() - datetime.timedelta(hours=2)
    )
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["outbox"] == "stuck"
    assert "someone@example.com" not in response.text and "secret" not in response.text


def test_health_takes_gets_only(client):
    assert client.post("/health/live").status_code == 405


def test_where_configured_an_old_backup_is_not_ready(client, settings, tmp_path, monkeypatch):
    from portal import backups

    settings.HEALTH_BACKUP_MAX_AGE_HOURS = 26
    monkeypatch.setattr(backups, "BACKUP_DIR", tmp_path)
    assert client.get("/health/ready").json()["checks"]["backup"] == "too old"  # none yet
    fresh = tmp_path / "20261127T000000Z"
    fresh.mkdir()
    (fresh / backups.STARTED_FILE).write_text(timezone.now().isoformat())
    assert client.get("/health/ready").json()["checks"]["backup"] == "ok"
    (fresh / backups.STARTED_FILE).write_text(
        (timezone.now() - datetime.timedelta(hours=30)).isoformat()
    )
    response = client.get("/health/ready")
    assert response.status_code == 503 and response.json()["checks"]["backup"] == "too old"

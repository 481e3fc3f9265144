"""Audit events are append-only, enforced by the database: UPDATE and DELETE are refused by a
trigger, whoever asks (the admin, a script, raw SQL)."""

from django.db import migrations

FORWARD = """
CREATE FUNCTION devices_auditevent_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER devices_auditevent_append_only
    BEFORE UPDATE OR DELETE ON devices_auditevent
    FOR EACH ROW EXECUTE FUNCTION devices_auditevent_append_only();
"""

BACKWARD = """
DROP TRIGGER devices_auditevent_append_only ON devices_auditevent;
DROP FUNCTION devices_auditevent_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("devices", "0004_support_console")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]

"""TRUNCATE empties a table without firing row triggers, so the append-only rule of 0005 needs
a statement trigger too. It refuses the table's owner as well; the site's own role may not
TRUNCATE at all (portal/database_roles.py)."""

from django.db import migrations

FORWARD = """
CREATE TRIGGER devices_auditevent_no_truncate
    BEFORE TRUNCATE ON devices_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION devices_auditevent_append_only();
"""

BACKWARD = "DROP TRIGGER devices_auditevent_no_truncate ON devices_auditevent;"


class Migration(migrations.Migration):
    dependencies = [("devices", "0009_objections_and_account_audit")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]

"""Django's `migrate`, run as the owner of the schema; then the application role gets its rights.

The site connects as a role that may not create or alter tables (portal/database_roles.py), so
`python manage.py migrate` switches to the owner for the run. Tables a migration creates start
with no rights for the application role; the grants after every run give it exactly what it
needs (read and write rows; on the audit table only read and add).
"""

from django.core.management.commands.migrate import Command as MigrateCommand
from django.db import connections

from portal import database_roles


class Command(MigrateCommand):
    def handle(self, *args, **options):
        connection = connections[options["database"]]
        with database_roles.as_owner(connection):
            super().handle(*args, **options)
            if options["plan"]:  # only shows what would run: changes nothing
                return
            app_role = database_roles.grant_to_app_role(connection)
        if app_role and options["verbosity"] >= 1:
            self.stdout.write(f"Rights of the application role {app_role} granted.")

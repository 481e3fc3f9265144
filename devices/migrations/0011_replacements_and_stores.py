"""A replacement remembers the unit it replaced and the kit whose place it takes (the
registry's own record, so it need not read the counter's claims); Registration.store now
points at the store in ``accounts``."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0007_stores_and_staff'),
        ('devices', '0010_audit_refuses_truncate'),
    ]

    operations = [
        migrations.AddField(
            model_name='unit',
            name='replaces',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='devices.unit', verbose_name='replaces'),
        ),
        migrations.AddField(
            model_name='unit',
            name='stands_in_kit',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='devices.kit', verbose_name='stands in the kit'),
        ),
        # The store moved to accounts with its table: only the state changes.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="registration",
                    name="store",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="registrations",
                        to="accounts.store",
                        verbose_name="store",
                    ),
                ),
            ],
        ),
    ]

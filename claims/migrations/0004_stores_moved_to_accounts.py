"""Stores and their staff moved to ``accounts`` (its migration 0007): nothing changes in the
database."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0007_stores_and_staff"),
        ("claims", "0003_store_contact_email"),
        # The registry's registrations point at the moved store first.
        ("devices", "0011_replacements_and_stores"),
    ]

    operations = [
        # The tables and rows stay where they are: only Django's idea of which app
        # owns the model changes.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='claim',
                    name='store',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='claims', to='accounts.store', verbose_name='store'),
                ),
                migrations.AlterField(
                    model_name='invitation',
                    name='store',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='invitations', to='accounts.store', verbose_name='store'),
                ),
                migrations.RemoveConstraint(
                    model_name='storemembership',
                    name='claims_one_membership',
                ),
                migrations.RemoveField(
                    model_name='storemembership',
                    name='store',
                ),
                migrations.RemoveField(
                    model_name='storemembership',
                    name='user',
                ),
                migrations.DeleteModel(
                    name='Store',
                ),
                migrations.DeleteModel(
                    name='StoreMembership',
                ),
            ],
        ),
    ]

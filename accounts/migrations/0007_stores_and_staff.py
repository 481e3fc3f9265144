"""Stores and their staff belong with the people who work for them (``accounts``); the
tables keep their names, so every row, id and foreign key stays as it was."""

MOVED = ("store", "storemembership")


def move_content_types(apps, schema_editor):
    """Permissions (the roles' "change store"), admin log entries and any generic relation
    follow the models."""
    db = schema_editor.connection.alias  # the database being migrated, not "default"
    ContentType = apps.get_model("contenttypes", "ContentType")  # noqa: N806
    for model in MOVED:
        if not ContentType.objects.using(db).filter(app_label="accounts", model=model).exists():
            ContentType.objects.using(db).filter(app_label="claims", model=model).update(
                app_label="accounts"
            )


import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0006_supervisor_since"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        # The tables and rows stay where they are: only Django's idea of which app
        # owns the model changes.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Store',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=200, verbose_name='name')),
                        ('kind', models.CharField(choices=[('shop', 'shop'), ('partner', 'partner'), ('popup', 'pop-up stand')], default='shop', max_length=10, verbose_name='kind')),
                        ('address', models.TextField(blank=True, verbose_name='address')),
                        ('contact_email', models.EmailField(blank=True, help_text="Told whenever someone is added to or removed from this store's staff.", max_length=254, verbose_name='contact e-mail')),
                        ('is_active', models.BooleanField(default=True, verbose_name='active')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                    ],
                    options={
                        'verbose_name': 'store',
                        'verbose_name_plural': 'stores',
                        'db_table': 'claims_store',
                        'ordering': ['name'],
                    },
                ),
                migrations.CreateModel(
                    name='StoreMembership',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('is_active', models.BooleanField(default=True, verbose_name='active')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='added')),
                        ('store', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='memberships', to='accounts.store', verbose_name='store')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='store_memberships', to=settings.AUTH_USER_MODEL, verbose_name='account')),
                    ],
                    options={
                        'verbose_name': 'store staff membership',
                        'verbose_name_plural': 'store staff memberships',
                        'db_table': 'claims_storemembership',
                        'constraints': [models.UniqueConstraint(fields=('store', 'user'), name='claims_one_membership')],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_types, migrations.RunPython.noop),
    ]

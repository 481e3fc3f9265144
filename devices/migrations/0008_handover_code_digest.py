"""Handover codes are stored only as a keyed hash: whoever can read the table (support, a
backup, a leaked dump) can no longer redeem a pending code."""

from django.db import migrations, models
from django.utils.crypto import salted_hmac


def hash_existing_codes(apps, schema_editor):
    db = schema_editor.connection.alias  # the database being migrated, not "default"
    HandoverCode = apps.get_model("devices", "HandoverCode")  # noqa: N806
    for handover in HandoverCode.objects.using(db).all().only("pk", "code"):
        digest = salted_hmac("devices.HandoverCode", handover.code, algorithm="sha256")
        HandoverCode.objects.using(db).filter(pk=handover.pk).update(code_digest=digest.hexdigest())


class Migration(migrations.Migration):
    dependencies = [("devices", "0007_product_models_are_never_deleted")]

    operations = [
        migrations.AddField(
            model_name="handovercode",
            name="code_digest",
            field=models.CharField(
                default="", editable=False, max_length=64, verbose_name="code (keyed hash)"
            ),
            preserve_default=False,
        ),
        migrations.RunPython(hash_existing_codes, migrations.RunPython.noop, elidable=True),
        migrations.RemoveConstraint(model_name="handovercode", name="devices_handover_code_unique"),
        migrations.RemoveField(model_name="handovercode", name="code"),
        migrations.AddConstraint(
            model_name="handovercode",
            constraint=models.UniqueConstraint(
                fields=("code_digest",), name="devices_handover_code_digest_unique"
            ),
        ),
    ]

"""Every swap so far tells the registry which unit the replacement replaced and whose kit
place it takes (the registry no longer reads the counter's claims for that)."""

from django.db import migrations


def copy_swaps_to_units(apps, schema_editor):
    db = schema_editor.connection.alias  # the database being migrated, not "default"
    Claim = apps.get_model("claims", "Claim")  # noqa: N806
    Unit = apps.get_model("devices", "Unit")  # noqa: N806
    for replacement_id, faulty_id, kit_id in Claim.objects.using(db).values_list(
        "replacement_unit_id", "faulty_unit_id", "kit_id"
    ).iterator():
        Unit.objects.using(db).filter(pk=replacement_id).update(replaces_id=faulty_id, stands_in_kit_id=kit_id)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0004_stores_moved_to_accounts"),
        ("devices", "0011_replacements_and_stores"),
    ]

    operations = [migrations.RunPython(copy_swaps_to_units, migrations.RunPython.noop)]

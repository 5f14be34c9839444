"""Only open cases keep similarity band rows (see townhall/petitions/similarity.py)."""

from django.db import migrations

OPEN = ("received", "accepted", "transferred", "assigned")


def drop_closed_bands(apps, schema_editor):
    band = apps.get_model("petitions", "SimilarityBand")
    case = apps.get_model("petitions", "Case")
    done = case.objects.exclude(status__in=OPEN, merged_into__isnull=True).values("pk")
    band.objects.filter(case_id__in=done).delete()


def restore_bands(apps, schema_editor):
    from townhall.core import text

    band = apps.get_model("petitions", "SimilarityBand")
    petition = apps.get_model("petitions", "Petition")
    have = band.objects.values("petition_id")
    rows = petition.objects.exclude(pk__in=have).values_list("pk", "case_id", "signature")
    for pk, case_id, signature in rows.iterator(chunk_size=2000):
        band.objects.bulk_create(
            [band(key=k, petition_id=pk, case_id=case_id) for k in text.band_keys(signature)]
        )


class Migration(migrations.Migration):
    dependencies = [("petitions", "0004_worklist_indexes")]

    operations = [migrations.RunPython(drop_closed_bands, restore_bands, elidable=True)]

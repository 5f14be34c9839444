"""Seed how many dialogue conferences the heads at each level must hold per year (rules are
data, editable by an administrator).

Sources and what was assumed:

- Law on Organisation of Local Government 2025, Art. 43: a commune holds a dialogue with its
  residents at least once a year (or when 10% of the voters ask). Seeded as the national rule
  for the commune level from 1 July 2025, when the two-level local government started.
- Regulation 03-QC/TU of 18 March 2021 of the Hải Dương Provincial Party Standing Committee on
  contacts and dialogues between the heads of Party committees and authorities and the people.
  Its per-level frequencies are seeded as Hải Dương's override (province code 30, three-level
  era) for 18 March 2021 to 30 June 2025: province 1, district-level 2, commune-level 2 a year.
  These numbers are configurable defaults, not quoted from the text: an administrator checks
  them against the regulation and edits the rows.
"""

import datetime as dt

from django.db import migrations

LAW_2025 = "Luật Tổ chức chính quyền địa phương 2025, Điều 43"
QC_03 = "Quy chế 03-QC/TU ngày 18/3/2021 của Ban Thường vụ Tỉnh ủy Hải Dương"

# (level, per year, province code, valid from, valid to, legal basis)
RULES = [
    ("commune", 1, "", dt.date(2025, 7, 1), None, LAW_2025),
    ("province", 1, "30", dt.date(2021, 3, 18), dt.date(2025, 6, 30), QC_03),
    ("district", 2, "30", dt.date(2021, 3, 18), dt.date(2025, 6, 30), QC_03),
    ("commune", 2, "30", dt.date(2021, 3, 18), dt.date(2025, 6, 30), QC_03),
]


def seed(apps, schema_editor):
    DialogueRule = apps.get_model("reports", "DialogueRule")
    for level, per_year, province, valid_from, valid_to, basis in RULES:
        DialogueRule.objects.get_or_create(
            level=level,
            province_code=province,
            valid_from=valid_from,
            defaults={"per_year": per_year, "valid_to": valid_to, "legal_basis": basis},
        )


def unseed(apps, schema_editor):
    DialogueRule = apps.get_model("reports", "DialogueRule")
    for level, _per_year, province, valid_from, _valid_to, _basis in RULES:
        DialogueRule.objects.filter(
            level=level, province_code=province, valid_from=valid_from
        ).delete()


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]

"""Seed the minimum reception days per office (rules are data, editable by an administrator).

Sources and what was assumed:

- Law on Citizen Reception 2013 (Luật Tiếp công dân số 42/2013/QH13), in force from 1 July 2014:
  chair of a commune People's Committee at least 1 day a week (Art. 15), of a district one at
  least 2 days a month (Art. 14), of a province one at least 1 day a month (Art. 13); heads of
  other agencies at least 1 day a month (Art. 12, 18). Townhall applies "other agency head" to
  every agency that is neither a People's Committee nor a Party committee (`rules.office_for`).
- Regulation 11-QĐi/TW of 18 February 2019 on the responsibility of the heads of Party
  committees for receiving citizens: province and district Party secretaries at least 1 day a
  month, commune secretaries at least 2 days a month, from its signing date.
- Conclusion 215-KL/TW amends Regulation 11 for the two-level local government. DESIGN.md dates
  the Conclusion 23 November 2025; the district level itself ceased on 1 July 2025 (Resolution
  202/2025/QH15, Law on Organisation of Local Government 2025), so no district head can owe a
  reception day after 30 June 2025 whatever the Conclusion's date. Assumed here:
    * the district rules (district People's Committee chair, district Party secretary) end on
      30 June 2025;
    * the province and commune Party minimums are unchanged in number; the 2019 rows end on
      30 June 2025 and rows citing the amendment start on 1 July 2025, so the legal basis shown
      for a date is the one in force on it;
    * the Law's province, commune and other-head minimums are unchanged after 1 July 2025 (the
      2025 amendments to the Law are not modelled; an administrator edits the rows if needed).
"""

import datetime as dt

from django.db import migrations

LAW_2013 = "Luật Tiếp công dân 2013"
REG_11 = "Quy định 11-QĐi/TW ngày 18/02/2019"
REG_11_AMENDED = "Quy định 11-QĐi/TW, sửa đổi theo Kết luận 215-KL/TW"

LAW_FROM = dt.date(2014, 7, 1)
REG_11_FROM = dt.date(2019, 2, 18)
REFORM = dt.date(2025, 7, 1)
BEFORE_REFORM = dt.date(2025, 6, 30)

# (office, days, per, valid_from, valid_to, legal basis)
RULES = [
    ("commune_pc_chair", 1, "week", LAW_FROM, None, f"{LAW_2013}, Điều 15"),
    ("district_pc_chair", 2, "month", LAW_FROM, BEFORE_REFORM, f"{LAW_2013}, Điều 14"),
    ("province_pc_chair", 1, "month", LAW_FROM, None, f"{LAW_2013}, Điều 13"),
    ("other_agency_head", 1, "month", LAW_FROM, None, f"{LAW_2013}, Điều 12, 18"),
    ("party_head_province", 1, "month", REG_11_FROM, BEFORE_REFORM, REG_11),
    ("party_head_district", 1, "month", REG_11_FROM, BEFORE_REFORM, REG_11),
    ("party_head_commune", 2, "month", REG_11_FROM, BEFORE_REFORM, REG_11),
    ("party_head_province", 1, "month", REFORM, None, REG_11_AMENDED),
    ("party_head_commune", 2, "month", REFORM, None, REG_11_AMENDED),
]


def seed(apps, schema_editor):
    ReceptionRule = apps.get_model("reception", "ReceptionRule")
    for office, days, per, valid_from, valid_to, basis in RULES:
        ReceptionRule.objects.get_or_create(
            office=office,
            valid_from=valid_from,
            defaults={
                "days_required": days,
                "per": per,
                "valid_to": valid_to,
                "legal_basis": basis,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("reception", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

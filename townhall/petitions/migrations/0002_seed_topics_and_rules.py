"""Seed the topic taxonomy and the deadline rules in force (editable by an administrator)."""

import datetime as dt

from django.db import migrations

TOPICS = [
    ("land", "Đất đai, giải phóng mặt bằng"),
    ("compensation", "Bồi thường, hỗ trợ, tái định cư"),
    ("policy", "Thực hiện chính sách"),
    ("education", "Giáo dục"),
    ("health", "Y tế"),
    ("infrastructure", "Hạ tầng, giao thông"),
    ("environment", "Môi trường"),
    ("public-order", "An ninh, trật tự"),
    ("official-conduct", "Tác phong, trách nhiệm của cán bộ"),
    ("other", "Khác"),
]

SINCE = dt.date(2019, 1, 1)
# (kind, step, days, day_type, complex, remote, remote_complex, max_ext, ext_days, basis)
RULES = [
    ("", "acknowledge", 10, "working", None, None, None, 0, 0, "Quy định 11-QĐi/TW 2019"),
    ("complaint", "accept", 10, "calendar", None, None, None, 0, 0, "Luật Khiếu nại 2011, Điều 27"),
    ("denunciation", "accept", 7, "working", None, None, None, 0, 0, "Luật Tố cáo 2018, Điều 24"),
    ("complaint", "resolve", 30, "calendar", 45, 45, 60, 0, 0, "Luật Khiếu nại 2011, Điều 28"),
    ("complaint", "resolve_second", 45, "calendar", 60, 60, 70, 0, 0,
     "Luật Khiếu nại 2011, Điều 37"),
    ("denunciation", "resolve", 30, "calendar", None, None, None, 2, 30,
     "Luật Tố cáo 2018, Điều 30"),
    ("", "resolve", 15, "working", 30, None, None, 0, 0,
     "Mặc định của tỉnh cho kiến nghị, phản ánh (chỉnh được)"),
]


def seed(apps, schema_editor):
    Topic = apps.get_model("petitions", "Topic")
    DeadlineRule = apps.get_model("petitions", "DeadlineRule")
    for order, (code, name) in enumerate(TOPICS):
        Topic.objects.get_or_create(code=code, defaults={"name": name, "order": order})
    for kind, step, days, day_type, cx, remote, remote_cx, ext, ext_days, basis in RULES:
        DeadlineRule.objects.get_or_create(
            kind=kind,
            step=step,
            valid_from=SINCE,
            defaults={
                "days": days,
                "day_type": day_type,
                "complex_days": cx,
                "remote_days": remote,
                "remote_complex_days": remote_cx,
                "max_extensions": ext,
                "extension_days": ext_days,
                "legal_basis": basis,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("petitions", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

"""`townhall demo` reproduces the seed article's figures, and the reports API finds them.

These checks run in `tests/test_demo.py`'s class, on the demo it builds: one build for every
check of the demo (it creates ~3,100 opinions through the services, one to two minutes), where
two classes used to build it twice. The module's name keeps pytest from collecting the mixin."""

import datetime as dt

from townhall.accounts.models import User
from townhall.demo import figures
from townhall.dialogues.models import Conference, Opinion
from townhall.dialogues.selectors import slow_agencies
from townhall.reports import compliance
from townhall.units.models import Era, Unit

YEAR_2022 = {"from": "2022-01-01", "to": "2022-12-31"}


class DemoFiguresChecks:
    """Mixed into a `TestCase` whose `setUpTestData` ran `townhall demo` (output in `output`)."""

    def dialogues(self, **params):
        response = self.client.get("/api/v1/reports/dialogues", params)
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()

    def test_chi_linh_city_2022_8_dialogues_323_opinions_310_answered_at_the_conference(self):
        body = self.dialogues(unit="290", host_level="district", **YEAR_2022)
        self.assertEqual(
            (body["conferences"], body["opinions"], body["answered_at_conference"]), (8, 323, 310)
        )
        self.assertEqual((body["answered_later"], body["pending"], body["overdue"]), (13, 0, 0))
        self.assertEqual(body["directives"], body["directives_done_on_time"])

    def test_chi_linh_communes_and_wards_91_dialogues_nearly_1500_answered(self):
        body = self.dialogues(unit="290", host_level="commune", **YEAR_2022)
        self.assertEqual(body["conferences"], 91)
        self.assertEqual(body["answered_at_conference"], 1489)
        self.assertTrue(1450 <= body["answered_at_conference"] < 1500)
        communes = [r for r in body["by_unit"] if not r["own"]]
        self.assertEqual(len(communes), 19)
        self.assertTrue(all(r["conferences"] >= 4 for r in communes))

    def test_the_province_s_district_level_36_dialogues_more_than_1200_answered(self):
        body = self.dialogues(unit="30", host_level="district", **YEAR_2022)
        self.assertEqual(body["conferences"], 36)
        self.assertGreater(body["answered_at_conference"], 1200)
        self.assertEqual(body["answered_at_conference"], 1215)
        chi_linh = next(r for r in body["by_unit"] if r["code"] == "290")
        self.assertEqual((chi_linh["conferences"], chi_linh["answered_at_conference"]), (8, 310))

    def test_the_education_dialogue_and_the_tu_ky_principal_s_request(self):
        body = self.dialogues(
            unit="30", host_level="province", **{"from": "2023-01-01", "to": "2023-12-31"}
        )
        self.assertEqual(body["conferences"], 1)
        self.assertGreaterEqual(body["opinions"], 200)  # "hundreds of opinions"
        conference = Conference.objects.get(title=figures.EDUCATION_TITLE)
        self.assertGreater(conference.attendance, 1000)
        self.assertEqual(conference.host_level, "province")
        principal = Opinion.objects.get(
            conference=conference, petition__text=figures.PRINCIPAL_REQUEST
        )
        self.assertEqual(principal.petition.channel, "dialogue_floor")
        self.assertEqual(principal.outcome, "deferred")
        self.assertEqual(principal.assignee.name, "Sở Giáo dục và Đào tạo Hải Dương")
        self.assertEqual(principal.deadline, dt.date(2023, 12, 31))
        directive = conference.conclusion.directives.get(assignee=principal.assignee)
        self.assertEqual(directive.deadline, dt.date(2023, 12, 31))
        self.assertIn("31/12/2023", directive.expected_result)

    def test_no_organisation_in_chi_linh_was_slow_and_no_unit_fell_short(self):
        inspector = User.objects.get(username="danvan.chilinh")
        self.assertEqual(slow_agencies(inspector), [])
        chi_linh = Unit.objects.get(era=Era.THREE_LEVEL, code="290")
        report = compliance.inspection(inspector, unit=chi_linh, year=2022)
        self.assertEqual(len(report.dialogues), 20)  # the city and its 19 communes and wards
        self.assertEqual(report.units_short, [])

    def test_a_second_build_creates_nothing(self):
        before = (Conference.objects.count(), Opinion.objects.count())
        summary = figures.build()
        self.assertEqual(sum(summary.created.values()), 0)
        self.assertEqual((Conference.objects.count(), Opinion.objects.count()), before)
        self.assertIn("figures: conferences built", self.output)

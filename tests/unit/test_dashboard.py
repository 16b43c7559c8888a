"""The spreadsheet dashboard of emc_project lists the stages in their lifecycle order.

The server groups a selection field by its stored key, so a chart grouped by
``state`` through the ORM would read 竣工验收, 立项审批, 已关闭... (acceptance,
approval, closed...). The dashboard's stage table therefore names each stage
in a fixed row (PIVOT.HEADER, so the label is the translated one) and its
stage chart reads that table. The stage and contract type lists are read from
the model source with ``ast``, without importing Odoo.
"""

import ast
import json
import re
import unittest
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]
_DASHBOARD = _ROOT / "addons" / "emc_project" / "data" / "emc_project_dashboard.json"
_MODEL = _ROOT / "addons" / "emc_project" / "models" / "emc_project.py"


def _model_constant(name):
    tree = ast.parse(_MODEL.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return [key for key, _label in ast.literal_eval(node.value)]
    raise AssertionError(f"{name} not found in {_MODEL}")


def _rows(ref):
    """Row numbers of a range such as Dashboard!A25:A34."""
    first, last = re.fullmatch(r"Dashboard!([A-Z])(\d+):\1(\d+)", ref).group(2, 3)
    return range(int(first), int(last) + 1)


class TestDashboardOrder(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        data = json.loads(_DASHBOARD.read_text(encoding="utf-8"))
        cls.sheet = next(s for s in data["sheets"] if s["name"] == "Dashboard")
        cls.cells = cls.sheet["cells"]

    def _header_keys(self, pivot_id, field, rows):
        pattern = re.compile(rf'^=PIVOT\.HEADER\({pivot_id},"{field}","(\w+)"\)$')
        keys = []
        for row in rows:
            content = self.cells.get(f"A{row}", {}).get("content", "")
            match = pattern.match(content)
            self.assertTrue(match, f"A{row} should name a {field} with PIVOT.HEADER: {content!r}")
            keys.append(match.group(1))
        return keys

    def _chart(self, label_range):
        for figure in self.sheet["figures"]:
            if figure["data"].get("labelRange") == label_range:
                return figure["data"]
        self.fail(f"no chart reads its labels from {label_range}")

    def test_stage_table_and_chart_follow_the_lifecycle(self):
        stages = _model_constant("STAGES")
        self.assertEqual(self._header_keys(2, "state", range(25, 25 + len(stages))), stages)
        chart = self._chart("Dashboard!A25:A34")
        self.assertEqual(list(_rows(chart["labelRange"])), list(range(25, 25 + len(stages))))
        for row in range(25, 25 + len(stages)):
            self.assertIn(f'"state","{stages[row - 25]}"', self.cells[f"C{row}"]["content"])

    def test_contract_types_follow_their_declaration(self):
        types = _model_constant("CONTRACT_TYPES")
        self.assertEqual(self._header_keys(3, "contract_type", range(39, 39 + len(types))), types)
        self._chart("Dashboard!A39:A43")

    def test_no_chart_groups_by_a_selection_through_the_orm(self):
        for figure in self.sheet["figures"]:
            data = figure["data"]
            if data["type"].startswith("odoo_"):
                self.assertFalse(
                    {"state", "contract_type"} & set(data["metaData"]["groupBy"]),
                    f"chart {figure['id']} would list the groups by their key",
                )


if __name__ == "__main__":
    unittest.main()

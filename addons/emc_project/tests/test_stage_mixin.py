import re
from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import EmcProjectCase


@tagged("post_install", "-at_install")
class TestStageMixin(EmcProjectCase):
    """emc.stage.mixin as the projects use it."""

    def test_error_names_record_stage_and_every_allowed_stage(self):
        with self.assertRaisesRegex(
            UserError,
            "^"
            + re.escape(
                f"Project {self.project.name} is at stage “Initiation”: “Check” is only "
                "possible at “Market research” or “Feasibility”."
            )
            + "$",
        ):
            self.project._check_stage(["research", "feasibility"], "Check")
        self.project._check_stage(["initiation"], "Check")  # allowed: no error

    def test_error_in_chinese(self):
        project = self.project.with_context(lang="zh_CN")
        with self.assertRaisesRegex(
            UserError,
            re.escape(
                f"项目 {project.name} 处于“项目立项”阶段：只有在“市场调研”或“可行性分析”阶段才能执行“检查”。"
            ),
        ):
            project._check_stage(["research", "feasibility"], "检查")

    def test_every_stage_is_a_column(self):
        columns = self.env["emc.project"]._group_expand_stages(None, [])
        self.assertEqual(
            columns,
            [
                "initiation",
                "research",
                "feasibility",
                "approval",
                "design",
                "contract",
                "implementation",
                "acceptance",
                "operation",
                "closed",
            ],
        )

    def test_one_tracked_message_per_transition(self):
        project = self.project.with_context(tracking_disable=False)
        # As if the creation had been committed: a record is not tracked in
        # the transaction that creates it.
        self.env.flush_all()
        self.env.cr.precommit.run()
        Message = self.env["mail.message"]
        domain = [("model", "=", "emc.project"), ("res_id", "=", project.id)]
        before = Message.search(domain)
        project.action_start_research()
        self.env.flush_all()
        self.env.cr.precommit.run()  # tracking messages are written before the commit
        new = Message.search(domain) - before
        self.assertEqual(len(new), 1, new.mapped("body"))
        tracking = new.tracking_value_ids
        self.assertEqual(tracking.field_id.name, "state")
        self.assertEqual(
            (tracking.old_value_char, tracking.new_value_char), ("Initiation", "Market research")
        )
        self.assertFalse(new.body, "no 'Stage changed' note besides the tracking")

    def test_hook_runs_once_per_group_of_records(self):
        other = self.project.copy({"name": "第二个项目"})
        projects = self.project | other
        Project = type(self.env["emc.project"])
        with patch.object(Project, "_on_stage_changed", autospec=True, return_value=True) as hook:
            projects.action_start_research()
        self.assertEqual(hook.call_count, 1)
        records, old, new = hook.call_args.args
        self.assertEqual((records, old, new), (projects, "initiation", "research"))
        self.assertEqual(projects.mapped("state"), ["research", "research"])

    def test_transition_values_in_the_same_write(self):
        written = []
        Project = type(self.env["emc.project"])
        original = Project.write

        def spy(records, vals):
            written.append((records.ids, set(vals)))
            return original(records, vals)

        self.project.state = "operation"
        with patch.object(Project, "write", spy):
            self.project.action_close()
        self.assertEqual(written, [([self.project.id], {"state", "date_closed"})])

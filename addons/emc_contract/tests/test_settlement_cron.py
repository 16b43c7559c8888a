from datetime import date

from odoo.tests import tagged

from odoo.addons.queue_job.job import Job

from .settlement_common import SettlementCase


@tagged("post_install", "-at_install")
class TestSettlementMonthlyRun(SettlementCase):
    def queued(self):
        return self.env["queue.job"].search(
            [("model_name", "=", "emc.contract"), ("method_name", "=", "_settle_due_periods")]
        )

    def perform(self, jobs):
        """Run each job as the job runner would: in its own savepoint, failures recorded."""
        failed = self.env["queue.job"]
        for record in jobs:
            job = Job.load(self.env, record.uuid)
            try:
                with self.cr.savepoint():
                    job.perform()
            except Exception as error:
                job.set_failed(exc_info=str(error))
                failed |= record
            else:
                job.set_done()
            job.store()
        return failed

    def test_twice_and_with_one_failing_contract(self):
        until = date(2025, 4, 1)
        shared = self.make_contract()
        lease = self.make_contract("financing_lease")
        unapproved = self.approved_baseline.copy({"name": "未批准基准"})
        failing = self.make_contract(baseline_ids=[(6, 0, unapproved.ids)])
        draft = self.make_contract()
        draft._set_stage("draft")
        # expired at the end of February: its last two months are still settled
        expired = self.make_contract(date_end=date(2025, 2, 28))
        expired._set_stage("expired")

        queued = self.Contract._cron_settle_due(until)
        self.assertEqual(queued, shared | lease | failing | expired)
        self.Contract._cron_settle_due(until)
        jobs = self.queued()
        self.assertEqual(len(jobs), 4, "running twice queues each contract once")
        self.assertEqual(jobs.mapped("channel"), ["root.emc_settlement"] * 4)

        failed = self.perform(jobs)
        self.assertEqual(failed.records, failing)
        self.assertIn("no approved M&V baseline", failed.exc_info)
        for contract in (shared, lease):
            self.assertEqual(
                contract.settlement_ids.sorted("date_from").mapped("date_from"),
                [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)],
            )
            self.assertEqual(set(contract.settlement_ids.mapped("state")), {"to_confirm"})
        self.assertFalse(failing.settlement_ids)
        self.assertEqual(len(expired.settlement_ids), 2)

        # a second month run: only the failing contract is still due
        self.assertEqual(self.Contract._cron_settle_due(until), failing)
        # and the job itself settles nothing twice
        self.assertFalse((shared | lease | expired)._settle_due_periods(until))
        self.assertEqual(len(shared.settlement_ids), 3)

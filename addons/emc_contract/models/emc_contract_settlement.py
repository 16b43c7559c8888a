import logging
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from odoo import fields, models
from odoo.tools import format_list

from odoo.addons.queue_job.job import identity_exact

from .emc_contract import IN_FORCE_STAGES, SETTLEMENT_PERIOD_MONTHS

_logger = logging.getLogger(__name__)

SETTLEMENT_CHANNEL = "root.emc_settlement"
# Stages whose due periods the monthly run settles.
SETTLED_STAGES = (*IN_FORCE_STAGES, "expired", "terminated")


def period_start(day, months):
    """The first day of the calendar period of ``months`` months that holds ``day``."""
    month = (day.month - 1) // months * months + 1
    return date(day.year, month, 1)


class EmcContract(models.Model):
    """The contract's settlements: due periods, the monthly run, the final settlement."""

    _inherit = "emc.contract"

    settlement_ids = fields.One2many("emc.settlement", "contract_id", string="Settlements")
    settlement_count = fields.Integer(compute="_compute_settlement_count")

    def _compute_settlement_count(self):
        groups = self.env["emc.settlement"]._read_group(
            [("contract_id", "in", self.ids)], ["contract_id"], ["__count"]
        )
        counts = {contract.id: count for contract, count in groups}
        for contract in self:
            contract.settlement_count = counts.get(contract.id, 0)

    def action_view_settlements(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("emc_contract.emc_settlement_action")
        action["domain"] = [("contract_id", "=", self.id)]
        action["context"] = {"default_contract_id": self.id}
        return action

    # ------------------------------------------------------------------
    # Periods
    # ------------------------------------------------------------------

    def _settlement_periods(self, until):
        """Nominal periods ``(first day, last day)`` of the contract ending by ``until``.

        Calendar months, quarters, half-years or years from the one holding
        the start; a period is due once its last day (or the contract's last
        day in force, for the final partial period) is before ``until``.
        """
        self.ensure_one()
        if not self.date_start:
            return []
        months = SETTLEMENT_PERIOD_MONTHS[self.settlement_period or "month"]
        last_day = self._settlement_last_day()
        periods = []
        start = period_start(self.date_start, months)
        while start <= (last_day or until):
            end = start + relativedelta(months=months) - timedelta(days=1)
            effective_end = min(end, last_day) if last_day else end
            if effective_end >= until:
                break
            periods.append((start, end))
            start = end + timedelta(days=1)
        return periods

    def _due_settlement_periods(self, until=None):
        """The periods ending before ``until`` (today) that have no live settlement."""
        self.ensure_one()
        until = until or fields.Date.context_today(self)
        settled = set(
            self.env["emc.settlement"]
            .search([("contract_id", "=", self.id), ("state", "!=", "cancelled")])
            .mapped("date_from")
        )
        return [p for p in self._settlement_periods(until) if p[0] not in settled]

    def _settle_period(self, date_from, date_to, final=False):
        """Create, compute and send the settlement of one period (the caller checked it is due)."""
        self.ensure_one()
        # all or nothing: a period whose data is refused leaves no empty settlement
        with self.env.cr.savepoint():
            # no "created" note: the version and the tracked stage say it all
            Settlement = self.env["emc.settlement"].with_context(mail_create_nolog=True)
            settlement = Settlement.create(
                {
                    "contract_id": self.id,
                    "date_from": date_from,
                    "date_to": date_to,
                    "final": final,
                }
            )
            settlement._compute_version(self.env._("Computed"))
            settlement.action_send()
        return settlement

    def _settle_due_periods(self, until=None):
        """Settle every due period of the contract in order (the job of the monthly run).

        Idempotent: a period with a live settlement is skipped, and the
        unique index refuses a second one created concurrently.
        """
        settlements = self.env["emc.settlement"]
        for contract in self:
            last_day = contract._settlement_last_day()
            for date_from, date_to in contract._due_settlement_periods(until):
                final = bool(last_day and date_from <= last_day <= date_to)
                final = final and contract.state == "terminated"
                settlements |= contract._settle_period(date_from, date_to, final=final)
        return settlements

    def _cron_settle_due(self, until=None):
        """Monthly: one queued job per contract in force with due periods.

        A job per contract, so that one failing contract (missing readings, a
        refused baseline) only fails its own job and is retried; the identity
        key keeps a second run from queueing the same job twice.
        """
        until = until or fields.Date.context_today(self)
        # expired and terminated contracts still have their last periods to settle
        # (bounded by _settlement_last_day): the December of a contract ending on
        # 31 December falls due when it has just expired
        contracts = self.search(
            [("state", "in", SETTLED_STAGES), ("date_start", "<", until)], order="id"
        )
        queued = self.browse()
        for contract in contracts:
            try:
                if not contract._due_settlement_periods(until):
                    continue
            except Exception:
                _logger.exception("Due periods of contract %s", contract.id)
                continue
            contract.with_delay(
                identity_key=identity_exact,
                channel=SETTLEMENT_CHANNEL,
                description=self.env._("Settle contract %(contract)s", contract=contract.name),
            )._settle_due_periods(until)
            queued |= contract
        return queued

    # ------------------------------------------------------------------
    # Lifecycle hooks
    # ------------------------------------------------------------------

    def _on_terminated(self):
        """Settle the periods left up to the last day in force, the last one partial."""
        result = super()._on_terminated()
        for contract in self:
            last_day = contract._settlement_last_day()
            if last_day:
                contract._settle_due_periods(until=last_day + timedelta(days=1))
        return result

    def _closing_blockers(self):
        """Unsettled periods and unpaid or unfinished settlements prevent closing."""
        reasons = super()._closing_blockers()
        _ = self.env._
        for contract in self:
            # the periods ended by today, and the last partial one once the terms ended
            until = fields.Date.context_today(self)
            last_day = contract._settlement_last_day()
            if last_day:
                until = min(until, last_day + timedelta(days=1))
            due = contract._due_settlement_periods(until)
            if due:
                reasons.append(
                    _(
                        "%(count)s settlement periods are not settled yet (from %(start)s)",
                        count=len(due),
                        start=due[0][0],
                    )
                )
            open_settlements = contract.settlement_ids.filtered(
                lambda s: s.state not in ("done", "cancelled")
            )
            if open_settlements:
                reasons.append(
                    _(
                        "settlements %(settlements)s are not paid yet",
                        settlements=format_list(self.env, open_settlements.mapped("name")),
                    )
                )
        return reasons

from odoo import _, api, models
from odoo.tools import SQL

from .emc_workorder_type import OPEN_STAGES

# Codes of the 14 KPIs, in display order (formulas in the README).
KPI_CODES = (
    "received",
    "closed",
    "completion_rate",
    "mean_first_response_hours",
    "mean_dispatch_hours",
    "mean_handling_hours_per_person",
    "workload_saturation",
    "sla_compliance_rate",
    "overdue_count",
    "escalations",
    "satisfaction",
    "reopen_rate",
    "scheme_acceptance_rate",
    "survey_to_contract_rate",
)


class EmcWorkorderKpi(models.AbstractModel):
    _name = "emc.workorder.kpi"
    _description = "Service desk KPIs"

    @api.model
    def _kpi_labels(self):
        return {
            "received": (_("Received"), _("orders")),
            "closed": (_("Closed"), _("orders")),
            "completion_rate": (_("Completion rate"), "%"),
            "mean_first_response_hours": (_("Mean first response"), _("hours")),
            "mean_dispatch_hours": (_("Mean dispatch time"), _("hours")),
            "mean_handling_hours_per_person": (_("Mean handling time per person"), _("hours")),
            "workload_saturation": (_("Workload saturation"), "%"),
            "sla_compliance_rate": (_("SLA compliance rate"), "%"),
            "overdue_count": (_("Overdue"), _("orders")),
            "escalations": (_("Escalations (level 1 / 2 / 3)"), _("events")),
            "satisfaction": (_("Satisfaction"), _("stars of 5")),
            "reopen_rate": (_("Rework / reopen rate"), "%"),
            "scheme_acceptance_rate": (_("Scheme acceptance rate"), "%"),
            "survey_to_contract_rate": (_("Survey-to-contract conversion"), "%"),
        }

    @api.model
    def _scope_domain(self, company_ids=None, user_ids=None):
        domain = []
        if company_ids:
            domain.append(("company_id", "in", list(company_ids)))
        if user_ids:
            domain.append(("user_id", "in", list(user_ids)))
        return domain

    @api.model
    def _compute(self, date_from, date_to, company_ids=None, user_ids=None):
        """The 14 KPIs for orders of a period, organisation(s) and person(s).

        Aggregates run in the database (_read_group and SQL); nothing loops
        over work orders in Python. Rates are percentages, None when their
        denominator is zero.
        """
        Workorder = self.env["emc.workorder"]
        scope = self._scope_domain(company_ids, user_ids)
        received_domain = [
            *scope,
            ("date_submitted", ">=", date_from),
            ("date_submitted", "<", date_to),
        ]
        closed_domain = [
            *scope,
            ("state", "=", "closed"),
            ("date_closed", ">=", date_from),
            ("date_closed", "<", date_to),
        ]

        received = Workorder.search_count(received_domain)
        # Averages over the orders that reached the event (unset durations are 0).
        [(responded, first_response)] = Workorder._read_group(
            [*received_domain, ("date_first_response", "!=", False)],
            [],
            ["__count", "first_response_hours:avg"],
        )
        [(dispatched, dispatch)] = Workorder._read_group(
            [*received_domain, ("date_dispatched", "!=", False)],
            [],
            ["__count", "dispatch_hours:avg"],
        )
        overdue = Workorder.search_count([*received_domain, ("is_overdue", "=", True)])
        closed = Workorder.search_count(closed_domain)
        closed_on_time = Workorder.search_count([*closed_domain, ("is_overdue", "=", False)])
        reworked = Workorder.search_count(
            [*closed_domain, "|", ("reopen_count", ">", 0), ("rework_count", ">", 0)]
        )

        # Per-person mean handling time, then the mean over persons.
        per_person = Workorder._read_group(
            [*closed_domain, ("user_id", "!=", False)], ["user_id"], ["handling_hours:avg"]
        )
        per_person_mean = (
            sum(h or 0.0 for _u, h in per_person) / len(per_person) if per_person else None
        )

        # Saturation: open orders carried against the handlers' capacity.
        staff_domain = [("role", "=", "handler")]
        if company_ids:
            staff_domain.append(("company_id", "in", list(company_ids)))
        if user_ids:
            staff_domain.append(("user_id", "in", list(user_ids)))
        staff = (
            self.env["emc.workorder.staff"]
            .sudo()
            ._read_group(staff_domain, ["user_id"], ["capacity:sum"])
        )
        capacity = sum(c for _u, c in staff)
        handler_ids = [u.id for u, _c in staff]
        open_load = (
            Workorder.search_count(
                [*scope, ("state", "in", OPEN_STAGES), ("user_id", "in", handler_ids)]
            )
            if handler_ids
            else 0
        )

        # Event-based KPIs: escalations, scheme acceptance, survey conversion.
        event_counts = self._event_counts(date_from, date_to, company_ids, user_ids)
        confirmed = event_counts.get("confirmed", 0)
        rejected = event_counts.get("rejected", 0)
        surveys = event_counts.get("survey_submitted", 0)
        contracts = event_counts.get("contract_archived", 0)

        [(rating_avg, rated)] = Workorder._read_group(
            [*closed_domain, ("rating_last_value", ">", 0)],
            [],
            ["rating_last_value:avg", "__count"],
        )

        def rate(numerator, denominator):
            return round(100.0 * numerator / denominator, 2) if denominator else None

        return {
            "received": received,
            "closed": closed,
            "completion_rate": rate(
                Workorder.search_count([*received_domain, ("state", "=", "closed")]), received
            ),
            "mean_first_response_hours": round(first_response, 2) if responded else None,
            "mean_dispatch_hours": round(dispatch, 2) if dispatched else None,
            "mean_handling_hours_per_person": (
                round(per_person_mean, 2) if per_person_mean is not None else None
            ),
            "workload_saturation": rate(open_load, capacity),
            "sla_compliance_rate": rate(closed_on_time, closed),
            "overdue_count": overdue,
            "escalations": (
                event_counts.get("sla_level_1", 0),
                event_counts.get("sla_level_2", 0),
                event_counts.get("sla_level_3", 0),
            ),
            "satisfaction": round(rating_avg, 2) if rated else None,
            "reopen_rate": rate(reworked, closed),
            "scheme_acceptance_rate": rate(confirmed, confirmed + rejected),
            "survey_to_contract_rate": rate(contracts, surveys),
        }

    @api.model
    def _event_counts(self, date_from, date_to, company_ids=None, user_ids=None):
        """Events of the period per type, for orders in scope, in one query."""
        conditions = [
            SQL("e.date >= %s AND e.date < %s", date_from, date_to),
            SQL(
                "e.event_type IN %s",
                (
                    "sla_level_1",
                    "sla_level_2",
                    "sla_level_3",
                    "confirmed",
                    "rejected",
                    "survey_submitted",
                    "contract_archived",
                ),
            ),
        ]
        if company_ids:
            conditions.append(SQL("w.company_id IN %s", tuple(company_ids)))
        if user_ids:
            conditions.append(SQL("w.user_id IN %s", tuple(user_ids)))
        # Visibility: the same record rules as a search on work orders.
        visible = self.env["emc.workorder"]._search([])
        conditions.append(SQL("w.id IN %s", visible.subselect()))
        self.env.cr.execute(
            SQL(
                """SELECT e.event_type, count(*)
                     FROM emc_workorder_event e
                     JOIN emc_workorder w ON w.id = e.workorder_id
                    WHERE %s
                 GROUP BY e.event_type""",
                SQL(" AND ").join(conditions),
            )
        )
        return dict(self.env.cr.fetchall())

    @api.model
    def _rows(self, date_from, date_to, company_ids=None, user_ids=None):
        """(label, value, unit) rows for display and export."""
        values = self._compute(date_from, date_to, company_ids, user_ids)
        labels = self._kpi_labels()
        rows = []
        for code in KPI_CODES:
            label, unit = labels[code]
            value = values[code]
            if code == "escalations":
                shown = " / ".join(str(v) for v in value)
            elif value is None:
                shown = "—"
            else:
                shown = value
            rows.append((code, label, shown, unit))
        return rows

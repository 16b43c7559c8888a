from datetime import timedelta

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.emc_metering.models.emc_mv_baseline_savings import MIN_REPORTING_DAYS

from ..lib import settlement
from .emc_contract import SAVINGS_TYPES

# Statement keys that name a carrier's TOU periods in its lines.
_TZ_DEFAULT = "Asia/Shanghai"


class EmcSettlement(models.Model):
    """What a settlement is computed from, and the computation of a version.

    * verified savings per carrier: the ``_savings_report`` of each approved
      baseline of the contract over the contract's days of the period (the
      baselines of this suite are electricity boundaries), with their
      non-routine adjustments;
    * time-of-use weights, for a carrier with a TOU price: the consumption of
      the contract's meters of that carrier by local hour of day over the
      period, from the hourly rollups (one query);
    * trusteeship costs: the consumption of the contract's meters valued at
      the contract's prices (TOU by hour), and the adjusted baseline valued
      at them when the fee is a share of it;
    * the carried balance: the previous live settlement's ``carry_out``.
    """

    _inherit = "emc.settlement"

    def _period_bounds(self):
        """``(first, end)``: the contract's days of the period, end excluded."""
        self.ensure_one()
        contract = self.contract_id
        last_day = contract._settlement_last_day() or self.date_to
        first = max(self.date_from, contract.date_start)
        end = min(self.date_to, last_day) + timedelta(days=1)
        return first, end

    def _local_tz(self):
        return self.company_id.partner_id.tz or _TZ_DEFAULT

    def _hourly_profile(self, carrier, first, end):
        """kWh of the contract's meters of ``carrier`` by local hour of day (24 values)."""
        self.ensure_one()
        meters = self.contract_id.meter_ids.filtered(lambda m: m.carrier == carrier)
        if not meters:
            return [0.0] * 24
        tz = self._local_tz()
        self.env["emc.meter.rollup.hourly"].flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT EXTRACT(hour FROM (date AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s))::int,
                          SUM(consumption)
                     FROM emc_meter_rollup_hourly
                    WHERE meter_id = ANY(%(meters)s) AND is_main
                      AND date >= (%(first)s::timestamp AT TIME ZONE %(tz)s) AT TIME ZONE 'UTC'
                      AND date < (%(end)s::timestamp AT TIME ZONE %(tz)s) AT TIME ZONE 'UTC'
                    GROUP BY 1""",
                tz=tz,
                meters=meters.ids,
                first=first,
                end=end,
            )
        )
        hours = [0.0] * 24
        for hour, kwh in self.env.cr.fetchall():
            hours[hour] = kwh or 0.0
        return hours

    def _consumption(self, carrier, first, end):
        """kWh of the contract's meters of ``carrier`` over ``[first, end)`` (daily rollups)."""
        meters = self.contract_id.meter_ids.filtered(lambda m: m.carrier == carrier)
        if not meters:
            return 0.0
        groups = self.env["emc.meter.rollup.daily"]._read_group(
            [
                ("meter_id", "in", meters.ids),
                ("is_main", "=", True),
                ("date", ">=", first),
                ("date", "<", end),
            ],
            [],
            ["consumption:sum"],
        )
        return groups[0][0] or 0.0

    def _value_energy(self, price_line, kwh, first, end):
        """``kwh`` of a carrier valued at the contract price (TOU: split by the hourly profile)."""
        price = price_line._settlement_price()
        if not isinstance(price, settlement.TimeOfUse):
            return kwh * price
        weights = self._tou_weights(price_line, first, end) or price.profile
        if not weights:
            raise UserError(
                self.env._(
                    "The energy of %(carrier)s cannot be valued by time of use: the meters have "
                    "no hourly consumption in the period and the contract no agreed shares.",
                    carrier=price_line.carrier,
                )
            )
        total = sum(weights.values())
        return sum(kwh * float(w) / float(total) * price.prices[p] for p, w in weights.items())

    def _tou_weights(self, price_line, first, end):
        """kWh per TOU period of the meters' hourly consumption, or None when there is none."""
        price = price_line._settlement_price()
        if not price.hours:
            return None
        hours = self._hourly_profile(price_line.carrier, first, end)
        if sum(hours) <= 0:
            return None
        return settlement.tou_weights_from_hourly(price, hours)

    def _previous_settlement(self):
        self.ensure_one()
        return self.search(
            [
                ("contract_id", "=", self.contract_id.id),
                ("date_from", "<", self.date_from),
                ("state", "!=", "cancelled"),
            ],
            order="date_from desc",
            limit=1,
        )

    def _gather_inputs(self):
        """``(kwargs of lib settle(), summary for the version)`` of this settlement."""
        self.ensure_one()
        contract = self.contract_id
        first, end = self._period_bounds()
        summary = {"first": first.isoformat(), "end": end.isoformat(), "baselines": []}
        kwargs = {"measured_within_contract": True}
        prices = {p.carrier: p for p in contract.price_ids}
        savings = {}
        baseline_kwh = {}
        needs_savings = contract.contract_type in SAVINGS_TYPES
        needs_baseline_cost = (
            contract.contract_type == "energy_trusteeship"
            and contract.trusteeship_fee_mode == "share"
        )
        if needs_savings or needs_baseline_cost:
            baselines = contract.baseline_ids.filtered(lambda b: b.state == "approved")
            if not baselines:
                raise UserError(
                    self.env._(
                        "Contract %(contract)s has no approved M&V baseline to settle.",
                        contract=contract.display_name,
                    )
                )
            min_days = min(MIN_REPORTING_DAYS, (end - first).days)
            for baseline in baselines:
                report = baseline._savings_report(first, end, min_days)
                carrier = "electricity"
                total, non_routine = savings.get(carrier, (0.0, 0.0))
                savings[carrier] = (
                    total + report.savings_kwh,
                    non_routine + report.non_routine_kwh,
                )
                baseline_kwh[carrier] = (
                    baseline_kwh.get(carrier, 0.0) + report.adjusted_baseline_kwh
                )
                summary["baselines"].append(
                    {
                        "baseline": baseline.display_name,
                        "adjusted_baseline_kwh": round(report.adjusted_baseline_kwh, 3),
                        "reporting_kwh": round(report.reporting_kwh, 3),
                        "non_routine_kwh": round(report.non_routine_kwh, 3),
                        "savings_kwh": round(report.savings_kwh, 3),
                    }
                )
        if needs_savings:
            items = []
            for carrier, (kwh, non_routine) in savings.items():
                weights = None
                price_line = prices.get(carrier)
                if price_line and price_line.pricing == "tou":
                    weights = self._tou_weights(price_line, first, end)
                    if weights:
                        summary.setdefault("tou_weights", {})[carrier] = {
                            p: str(w) for p, w in weights.items()
                        }
                items.append(
                    settlement.CarrierSavings(
                        carrier,
                        kwh=round(kwh, 3),
                        non_routine_kwh=round(non_routine, 3),
                        tou_weights=weights,
                    )
                )
            kwargs["savings"] = items
        if contract.contract_type == "energy_trusteeship":
            energy_cost = baseline_cost = 0.0
            for carrier, price_line in prices.items():
                kwh = self._consumption(carrier, first, end)
                energy_cost += self._value_energy(price_line, kwh, first, end)
                if carrier in baseline_kwh:
                    baseline_cost += self._value_energy(
                        price_line, baseline_kwh[carrier], first, end
                    )
            costs = settlement.TrusteeshipCosts(
                energy_cost=round(energy_cost, 2) if contract.trusteeship_has_cap else None,
                baseline_cost=round(baseline_cost, 2) if needs_baseline_cost else None,
            )
            kwargs["costs"] = costs
            summary["energy_cost"] = costs.energy_cost
            summary["baseline_cost"] = costs.baseline_cost
        previous = self._previous_settlement()
        carry_in = previous.carry_out if previous else 0.0
        kwargs["carry_in"] = round(carry_in, 2)
        summary["carry_in"] = kwargs["carry_in"]
        return kwargs, summary

    def _inputs_text(self, summary):
        _ = self.env._
        rows = [_("Contract days: %(first)s to %(end)s (excluded)", **summary)]
        for item in summary.get("baselines", []):
            rows.append(
                _(
                    "Baseline %(baseline)s: adjusted baseline %(adjusted_baseline_kwh)s kWh, "
                    "reporting %(reporting_kwh)s kWh, non-routine adjustments "
                    "%(non_routine_kwh)s kWh, savings %(savings_kwh)s kWh",
                    **item,
                )
            )
        for carrier, weights in summary.get("tou_weights", {}).items():
            rows.append(
                _(
                    "Time-of-use split of %(carrier)s from the hourly consumption: %(weights)s",
                    carrier=carrier,
                    weights=", ".join(f"{p} {w}" for p, w in weights.items()),
                )
            )
        if summary.get("energy_cost") is not None:
            rows.append(_("Energy cost: %(cost)s CNY", cost=summary["energy_cost"]))
        if summary.get("baseline_cost") is not None:
            rows.append(_("Baseline energy cost: %(cost)s CNY", cost=summary["baseline_cost"]))
        if summary.get("carry_in"):
            rows.append(_("Carried in: %(amount)s CNY", amount=summary["carry_in"]))
        return "\n".join(rows)

    def _statement(self):
        """The :class:`lib.settlement.Statement` of the current data (raises UserError)."""
        self.ensure_one()
        kwargs, summary = self._gather_inputs()
        try:
            terms = self.contract_id._settlement_contract()
            statement = settlement.settle(
                terms, self.date_from, self.date_to + timedelta(days=1), **kwargs
            )
        except settlement.SettlementError as error:
            raise UserError(
                self.env._(
                    "Contract %(contract)s cannot be settled for %(start)s to %(end)s: %(reason)s",
                    contract=self.contract_id.display_name,
                    start=self.date_from,
                    end=self.date_to,
                    reason=error.translated(self.env._),
                )
            ) from error
        return statement, summary

    def _compute_version(self, reason):
        """Compute the statement and store it as the new current version."""
        self.ensure_one()
        statement, summary = self._statement()
        number = max(self.version_ids.mapped("number"), default=0) + 1
        self.version_ids.filtered("is_current").write({"is_current": False})
        version = self.env["emc.settlement.version"].create(
            {
                "settlement_id": self.id,
                "number": number,
                "reason": reason,
                "user_id": self.env.uid,
                "date": fields.Datetime.now(),
                "is_current": True,
                "period_days": statement.days,
                "contract_days": statement.contract_days,
                "savings_kwh": float(sum(c.settled_kwh for c in statement.carriers)),
                "non_routine_kwh": float(sum(c.non_routine_kwh for c in statement.carriers)),
                "total_client_to_esco": float(statement.total_client_to_esco),
                "total_esco_to_client": float(statement.total_esco_to_client),
                "amount_due_esco": float(statement.due_to_esco),
                "amount_due_client": float(statement.due_to_client),
                "amount_waived": float(statement.waived),
                "carry_in": summary["carry_in"],
                "carry_out": float(statement.carry_out),
                "statement": statement.to_dict(),
                "inputs": summary,
                "inputs_text": self._inputs_text(summary),
                "line_ids": [
                    fields.Command.create(self._line_values(index, line))
                    for index, line in enumerate(statement.lines)
                ],
            }
        )
        self.version_id = version
        return version

    @staticmethod
    def _line_values(index, line):
        def number(value):
            return float(value) if value is not None else 0.0

        return {
            "sequence": index,
            "code": line.key,
            "direction": line.direction,
            "carrier": line.carrier or False,
            "tou_period": line.tou or False,
            "kwh": number(line.kwh),
            "price": number(line.price),
            "share": number(line.share),
            "gross": number(line.gross),
            "amount": float(line.amount),
            "days": line.days or 0,
            "date_start": line.start or False,
            "date_end": line.end or False,
            "params": dict(line.params),
        }

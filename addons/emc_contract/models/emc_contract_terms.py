import datetime

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..lib import settlement
from .emc_contract import SAVINGS_TYPES

GUARANTEE_PER = [("period", "Settlement period"), ("year", "Contract year")]
EXCESS_RULES = [("client", "Kept by the client"), ("shared", "Shared with the ESCO")]
FEE_MODES = [("fixed", "Fixed fee per period"), ("share", "Share of the baseline energy cost")]
LEASE_METHODS = [("annuity", "Level payments"), ("equal_principal", "Equal principal")]
LEASE_FREQUENCIES = [
    ("12", "Monthly"),
    ("4", "Quarterly"),
    ("2", "Half-yearly"),
    ("1", "Yearly"),
]
NEGATIVE_BALANCES = [
    ("waive", "Borne by the ESCO"),
    ("carry_forward", "Carried to the next statement"),
]
ESCO_PAYMENT_MOVES = [("out_refund", "Credit note"), ("in_invoice", "Vendor bill")]

# Which terms each type needs (lib/settlement.py refuses anything else).
TYPE_TERMS = {
    "shared_savings": {"prices", "tiers"},
    "guaranteed_savings": {"prices", "guarantee"},
    "energy_trusteeship": {"trusteeship"},
    "financing_lease": {"lease"},
    "hybrid": {"prices", "tiers", "guarantee"},
}


class EmcContract(models.Model):
    """The terms of the contract that its settlement reads (see lib/settlement.py)."""

    _inherit = "emc.contract"

    price_ids = fields.One2many(
        "emc.contract.price", "contract_id", string="Energy prices", copy=True
    )
    tier_ids = fields.One2many(
        "emc.contract.tier", "contract_id", string="Sharing tiers", copy=True
    )
    # Guaranteed savings (节能量保证型, hybrid)
    guarantee_line_ids = fields.One2many(
        "emc.contract.guarantee.line", "contract_id", string="Guaranteed savings", copy=True
    )
    guarantee_per = fields.Selection(
        GUARANTEE_PER,
        string="Guaranteed per",
        default="year",
        help="Guaranteed quantities are per settlement period, or per contract year (then "
        "each period is held to its days' part of the year).",
    )
    excess_rule = fields.Selection(
        EXCESS_RULES,
        string="Savings above the guarantee",
        default="client",
    )
    excess_share = fields.Float(
        string="ESCO share of the excess", digits=(16, 4), help="0.5 = 50 %."
    )
    # Energy cost trusteeship (能源费用托管型)
    trusteeship_fee_mode = fields.Selection(FEE_MODES, string="Trusteeship fee", default="fixed")
    trusteeship_fee = fields.Monetary(
        string="Fee per period", help="Tax-exclusive fee for a whole settlement period."
    )
    trusteeship_fee_share = fields.Float(
        string="Fee share of the baseline cost", digits=(16, 4), help="0.95 = 95 %."
    )
    trusteeship_has_cap = fields.Boolean(string="Energy-cost cap")
    trusteeship_cap = fields.Monetary(
        string="Cap per period",
        help="The energy cost the ESCO guarantees not to exceed in a settlement period "
        "(tax-exclusive): above it the ESCO pays the difference, below it the saving is "
        "shared by the tiers.",
    )
    # Financing lease (融资租赁型)
    lease_principal = fields.Monetary(string="Financed amount")
    lease_annual_rate = fields.Float(
        string="Annual interest rate", digits=(16, 6), help="Nominal, 0.0435 = 4.35 %."
    )
    lease_instalments = fields.Integer(string="Instalments")
    lease_frequency = fields.Selection(LEASE_FREQUENCIES, string="Paid", default="12")
    lease_method = fields.Selection(LEASE_METHODS, string="Repayment", default="annuity")
    lease_date_start = fields.Date(
        string="Lease from", help="The instalments run from this day; empty for the contract start."
    )
    # Balances and moves
    negative_balance = fields.Selection(
        NEGATIVE_BALANCES,
        string="Negative savings",
        default="waive",
        required=True,
        help="When negative savings leave the client owing less than nothing, the ESCO "
        "bears it or it is carried to the next statement.",
    )
    esco_payment_move = fields.Selection(
        ESCO_PAYMENT_MOVES,
        string="ESCO pays by",
        default="out_refund",
        required=True,
        help="What is owed to the client (a guarantee shortfall, a cost above the cap) is "
        "posted as a credit note to the client, or as a vendor bill when the client invoices it.",
    )
    netting = fields.Boolean(
        string="Net both directions",
        default=True,
        help="One move per statement for the balance of what each side owes.",
    )

    _sql_constraints = [
        (
            "excess_share_range",
            "CHECK(excess_share >= 0 AND excess_share <= 1)",
            "A share lies between 0 % and 100 %.",
        ),
        (
            "fee_share_range",
            "CHECK(trusteeship_fee_share >= 0 AND trusteeship_fee_share <= 1)",
            "A share lies between 0 % and 100 %.",
        ),
        (
            "lease_instalments_positive",
            "CHECK(lease_instalments >= 0)",
            "Instalments count from 1.",
        ),
    ]

    # ------------------------------------------------------------------
    # What each type needs
    # ------------------------------------------------------------------

    def _missing_terms(self):
        """Translated labels of what the contract lacks before it can go for approval."""
        self.ensure_one()
        _ = self.env._
        missing = []
        needs = TYPE_TERMS[self.contract_type]
        if not self.date_start:
            missing.append(_("the start date"))
        if not self.date_end:
            missing.append(_("the end date"))
        if self.contract_type in SAVINGS_TYPES:
            if not self.baseline_ids:
                missing.append(_("the M&V baseline"))
            if not self.mv_option:
                missing.append(_("the IPMVP option"))
        if "prices" in needs and not self.price_ids:
            missing.append(_("the energy prices"))
        for price in self.price_ids:
            if price.pricing == "tou" and not price.tou_line_ids:
                missing.append(
                    _(
                        "the time-of-use periods of %(carrier)s",
                        carrier=dict(price._fields["carrier"]._description_selection(self.env))[
                            price.carrier
                        ],
                    )
                )
        if "tiers" in needs and not self.tier_ids:
            missing.append(_("the sharing tiers"))
        if "guarantee" in needs and not self.guarantee_line_ids:
            missing.append(_("the guaranteed savings"))
        if "trusteeship" in needs:
            if self.trusteeship_fee_mode == "fixed" and not self.trusteeship_fee:
                missing.append(_("the trusteeship fee"))
            if self.trusteeship_fee_mode == "share" and not self.trusteeship_fee_share:
                missing.append(_("the trusteeship fee share"))
            if self.trusteeship_has_cap and not self.tier_ids:
                missing.append(_("the sharing tiers of the saving below the cap"))
        if "lease" in needs:
            if not self.lease_principal:
                missing.append(_("the financed amount"))
            if not self.lease_instalments:
                missing.append(_("the number of instalments"))
        return missing

    def _settlement_terms_used(self):
        """The names of the terms :meth:`_settlement_contract` passes for this type."""
        self.ensure_one()
        used = set(TYPE_TERMS[self.contract_type])
        if self.contract_type == "energy_trusteeship":
            used.add("prices")
            if self.trusteeship_has_cap:
                used.add("tiers")
        return used

    def _settlement_contract(self):
        """The contract's terms as the :class:`lib.settlement.Contract` the settlement takes.

        Only the terms of its type are passed (the settlement refuses others);
        ``date_end`` is the day after the last day, as the settlement's spans
        exclude their end. An early termination ends the terms on its date.
        """
        self.ensure_one()
        used = self._settlement_terms_used()
        last_day = self._settlement_last_day()
        guarantee = trusteeship = lease = None
        if "guarantee" in used:
            guarantee = settlement.Guarantee(
                kwh={line.carrier: line.kwh for line in self.guarantee_line_ids},
                per=self.guarantee_per or "year",
                shortfall_prices={
                    line.carrier: line.shortfall_price
                    for line in self.guarantee_line_ids
                    if line.shortfall_price
                },
                excess_share=(
                    self.excess_share
                    if self.contract_type == "guaranteed_savings" and self.excess_rule == "shared"
                    else None
                ),
            )
        if "trusteeship" in used:
            trusteeship = settlement.Trusteeship(
                fee=self.trusteeship_fee if self.trusteeship_fee_mode == "fixed" else None,
                fee_share=(
                    self.trusteeship_fee_share if self.trusteeship_fee_mode == "share" else None
                ),
                cap=self.trusteeship_cap if self.trusteeship_has_cap else None,
            )
        if "lease" in used:
            lease = settlement.Lease(
                principal=self.lease_principal,
                annual_rate=self.lease_annual_rate,
                instalments=self.lease_instalments,
                periods_per_year=int(self.lease_frequency or "12"),
                method=self.lease_method or "annuity",
                date_start=self.lease_date_start or None,
            )
        return settlement.Contract(
            contract_type=self.contract_type,
            date_start=self.date_start,
            date_end=last_day + datetime.timedelta(days=1) if last_day else None,
            prices=(
                {price.carrier: price._settlement_price() for price in self.price_ids}
                if "prices" in used
                else {}
            ),
            tiers=tuple(tier._settlement_tier() for tier in self.tier_ids)
            if "tiers" in used
            else (),
            guarantee=guarantee,
            trusteeship=trusteeship,
            lease=lease,
            negative_balance=self.negative_balance,
            esco_payment_move=self.esco_payment_move,
            netting=self.netting,
        )

    def _settlement_last_day(self):
        """The last day the terms are in force: the end date (hook for early termination)."""
        self.ensure_one()
        return self.date_end

    def _check_terms_consistent(self):
        """Raise a ValidationError when the settlement would refuse the terms."""
        for contract in self:
            if not (contract.date_start and contract.date_end):
                continue
            try:
                settlement.validate_contract(contract._settlement_contract())
            except settlement.SettlementError as error:
                raise ValidationError(
                    self.env._(
                        "The terms of contract %(contract)s are not consistent: %(reason)s",
                        contract=contract.display_name,
                        reason=error.translated(self.env._),
                    )
                ) from error

    @api.constrains("baseline_ids", "mv_option", "site_ids")
    def _check_baselines(self):
        for contract in self:
            for baseline in contract.baseline_ids:
                if contract.site_ids and baseline.site_id not in contract.site_ids:
                    raise ValidationError(
                        self.env._(
                            "Baseline %(baseline)s is of site %(site)s, which contract "
                            "%(contract)s does not cover.",
                            baseline=baseline.display_name,
                            site=baseline.site_id.display_name,
                            contract=contract.display_name,
                        )
                    )
                if contract.mv_option and baseline.option != contract.mv_option:
                    raise ValidationError(
                        self.env._(
                            "Baseline %(baseline)s follows IPMVP option %(baseline_option)s, "
                            "the contract option %(option)s.",
                            baseline=baseline.display_name,
                            baseline_option=baseline.option,
                            option=contract.mv_option,
                        )
                    )

    # ------------------------------------------------------------------
    # Flat terms, for the amendment diff and the document
    # ------------------------------------------------------------------

    def _terms_snapshot(self):
        """The contract's terms as one flat dict of scalars (see lib/amendment.py)."""
        self.ensure_one()
        snapshot = {
            "contract_type": self.contract_type,
            "partner_id": self.partner_id.id,
            "date_start": self.date_start,
            "date_end": self.date_end,
            "settlement_period": self.settlement_period,
            "mv_option": self.mv_option,
            "baseline_ids": ",".join(str(i) for i in sorted(self.baseline_ids.ids)),
            "payment_term_id": self.payment_term_id.id,
            "ownership_transfer": self.ownership_transfer,
            "negative_balance": self.negative_balance,
            "esco_payment_move": self.esco_payment_move,
            "netting": self.netting,
        }
        for price in self.price_ids:
            key = f"price_{price.carrier}"
            if price.pricing == "fixed":
                snapshot[key] = price.price
            for tou in price.tou_line_ids:
                snapshot[f"{key}_{tou.period}"] = tou.price
                snapshot[f"{key}_{tou.period}_hours"] = tou.hours or False
                snapshot[f"{key}_{tou.period}_weight"] = tou.weight
        for tier in self.tier_ids:
            snapshot[f"tier_{tier.year_from}_to"] = tier.year_to or False
            snapshot[f"tier_{tier.year_from}_share"] = tier.esco_share
        if self.contract_type in ("guaranteed_savings", "hybrid"):
            snapshot["guarantee_per"] = self.guarantee_per
            if self.contract_type == "guaranteed_savings":
                snapshot["excess_rule"] = self.excess_rule
                snapshot["excess_share"] = self.excess_share
            for line in self.guarantee_line_ids:
                snapshot[f"guarantee_{line.carrier}_kwh"] = line.kwh
                snapshot[f"guarantee_{line.carrier}_shortfall_price"] = line.shortfall_price
        if self.contract_type == "energy_trusteeship":
            snapshot.update(
                trusteeship_fee_mode=self.trusteeship_fee_mode,
                trusteeship_fee=self.trusteeship_fee,
                trusteeship_fee_share=self.trusteeship_fee_share,
                trusteeship_has_cap=self.trusteeship_has_cap,
                trusteeship_cap=self.trusteeship_cap,
            )
        if self.contract_type == "financing_lease":
            snapshot.update(
                lease_principal=self.lease_principal,
                lease_annual_rate=self.lease_annual_rate,
                lease_instalments=self.lease_instalments,
                lease_frequency=self.lease_frequency,
                lease_method=self.lease_method,
                lease_date_start=self.lease_date_start,
            )
        return snapshot

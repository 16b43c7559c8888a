from odoo import _, models
from odoo.exceptions import UserError

from ..lib import classifier


class EmcWorkorder(models.Model):
    """Intake of work orders: the rule-based pre-check and the keyword classification.

    Both run on a batch of orders: the areas, rules, types and keywords are
    read once, and each order is written once, together with its stage.
    """

    _inherit = "emc.workorder"

    # ------------------------------------------------------------------
    # Pre-check
    # ------------------------------------------------------------------
    def _precheck_rules(self, shared_rules):
        """The rules this order must meet, for its channel.

        The rules of its type (or of the category the customer chose) when it
        has any, else ``shared_rules`` (every active rule).
        """
        self.ensure_one()
        typed = (self.type_id or self.requested_type_id).precheck_rule_ids
        rules = typed.filtered("active") if typed else shared_rules
        return rules.filtered(lambda rule: rule._applies_to(self.channel))

    def _run_precheck(self):
        """Apply the pre-check rules; an order that fails goes back to the customer.

        An order that passes is classified in the same write and, when its type
        is settled, dispatched at once.
        """
        if not self:
            return True
        # The desk's own configuration, read whoever submits (customers too).
        areas = self.env["emc.service.area"].sudo().search([])
        shared_rules = self.env["emc.workorder.precheck.rule"].sudo().search([])
        events, values = [], {}
        returned, passed = [], []
        for order in self:
            area = areas._first_containing(order._address(), order.latitude, order.longitude)
            rules = order._precheck_rules(shared_rules)
            missing = [m for m in (rule._evaluate(order, area) for rule in rules) if m]
            note = "\n".join(missing) or False
            values[order.id] = {"area_id": area.id, "missing_items": note}
            (returned if missing else passed).append(order.id)
            if missing:
                event = {"note": note, "data": {"missing": missing}}
            else:
                event = {"attachments": order.attachment_ids}
            events.append(
                order._event_values(
                    "precheck_failed" if missing else "precheck_passed",
                    old="precheck",
                    new="returned" if missing else "dispatch",
                    **event,
                )
            )
        returned, passed = self.browse(returned), self.browse(passed)
        events += passed._classification_values(values)
        self._append_events(events)
        returned._set_stage("returned", values)
        passed._set_stage("dispatch", values)
        returned._notify_customer("emc_workorder.mail_template_precheck_failed")
        passed.filtered(lambda o: o.type_id and not o.needs_classification)._auto_dispatch()
        return True

    # ------------------------------------------------------------------
    # Classification
    # ------------------------------------------------------------------
    def _classification_values(self, values):
        """Match each order's type from its chosen category and the keyword rules.

        Adds the outcome to ``values`` ({order id: field values}) and returns
        the events to append: ``classified`` when a type is settled,
        ``classification_manual`` when a person must choose.
        """
        if not self:
            return []
        types = self.env["emc.workorder.type"].sudo().search([])
        rules = [
            classifier.KeywordRule(type_key=str(k.type_id.id), keyword=k.keyword, weight=k.weight)
            for k in types.keyword_ids
        ]
        by_key = {str(t.id): t for t in types}
        chosen_label = self.env._("chosen category")
        events = []
        for order in self:
            result = classifier.classify(
                order.description or "",
                rules,
                chosen_category=str(order.requested_type_id.id)
                if order.requested_type_id
                else None,
            )
            lines = [
                self.env._(
                    "%(type)s: score %(score).1f (%(words)s)",
                    type=by_key[c.type_key].name,
                    score=c.score,
                    words="、".join(c.matched) or chosen_label,
                )
                for c in result.candidates
                if c.type_key in by_key
            ]
            note = "\n".join(lines) or _("No keyword matched and no category was chosen.")
            data = {"confidence": round(result.confidence, 4), "reason": result.reason}
            vals = values.setdefault(order.id, {})
            vals.update(classification_confidence=result.confidence, classification_note=note)
            if result.type_key:
                chosen = by_key[result.type_key]
                vals.update(type_id=chosen.id, needs_classification=False)
                events.append(
                    order._event_values("classified", new=chosen.code, note=note, data=data)
                )
            else:
                vals["needs_classification"] = True
                events.append(order._event_values("classification_manual", note=note, data=data))
        return events

    def action_set_type(self, type_id):
        """A person settles the type of a low-confidence request, then dispatch runs."""
        self._check_stage(["dispatch"], _("Set type"))
        work_type = self.env["emc.workorder.type"].browse(type_id).exists()
        if not work_type:
            raise UserError(_("Choose a work order type."))
        self._append_events(
            [
                o._event_values(
                    "classified", old=o.type_id.code, new=work_type.code, data={"reason": "manual"}
                )
                for o in self
            ]
        )
        self.write({"type_id": work_type.id, "needs_classification": False})
        self._auto_dispatch()
        return True

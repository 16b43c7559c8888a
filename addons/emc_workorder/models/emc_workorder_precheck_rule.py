from odoo import _, fields, models

# Customer-facing fields a rule may require.
CHECKABLE_FIELDS = [
    ("contact_name", "Contact name"),
    ("phone", "Phone"),
    ("street", "Address"),
    ("description", "Description"),
    ("partner_id", "Enterprise"),
    ("latitude", "GPS position"),
]
# Which channels a rule applies to. A request the hotline enters for a caller
# (phone) cannot carry the site photos a customer uploads himself.
CHANNEL_SCOPES = {
    "all": ("miniprogram", "portal", "phone", "backoffice"),
    "self_service": ("miniprogram", "portal"),
    "assisted": ("phone", "backoffice"),
}


class EmcWorkorderPrecheckRule(models.Model):
    _name = "emc.workorder.precheck.rule"
    _description = "Pre-check rule of work orders"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    rule_type = fields.Selection(
        [
            ("required_field", "Required field"),
            ("min_attachments", "Minimum photos/videos"),
            ("valid_phone", "Valid mobile phone"),
            ("service_area", "Address inside the service area"),
            ("min_description", "Description long enough"),
        ],
        required=True,
    )
    field_name = fields.Selection(CHECKABLE_FIELDS, string="Field")
    min_count = fields.Integer(
        string="Minimum", default=1, help="Attachments, or characters of description."
    )
    message = fields.Char(translate=True, help="What the customer is told when the rule fails.")
    channel_scope = fields.Selection(
        [
            ("all", "Every channel"),
            ("self_service", "Customer's own requests (portal, mini-program)"),
            ("assisted", "Requests entered by staff (phone, back office)"),
        ],
        string="Applies to",
        required=True,
        default="all",
        help="Whether the rule checks every request, only those the customer "
        "enters himself, or only those the desk enters for a caller.",
    )

    def _applies_to(self, channel):
        self.ensure_one()
        return channel in CHANNEL_SCOPES[self.channel_scope]

    def _evaluate(self, workorder, area):
        """The translated message of this rule when it fails, else False.

        ``area`` is the service area found for the order's address or position.
        """
        self.ensure_one()
        failed = False
        if self.rule_type == "required_field":
            failed = not workorder[self.field_name]
        elif self.rule_type == "min_attachments":
            minimum = max(self.min_count, workorder.type_id.min_attachments)
            failed = len(workorder.attachment_ids) < minimum
        elif self.rule_type == "valid_phone":
            failed = not workorder._normalise_phone(workorder.phone)
        elif self.rule_type == "service_area":
            failed = not area
        elif self.rule_type == "min_description":
            failed = len((workorder.description or "").strip()) < self.min_count
        if not failed:
            return False
        return self.message or _("Rule not met: %(rule)s", rule=self.name)

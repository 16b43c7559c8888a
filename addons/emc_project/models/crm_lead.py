from odoo import _, fields, models
from odoo.exceptions import UserError


class CrmLead(models.Model):
    _inherit = "crm.lead"

    emc_project_ids = fields.One2many("emc.project", "lead_id", string="EMC projects")
    emc_project_count = fields.Integer(compute="_compute_emc_project_count")

    def _compute_emc_project_count(self):
        groups = self.env["emc.project"]._read_group(
            [("lead_id", "in", self.ids)], ["lead_id"], ["__count"]
        )
        counts = {lead.id: count for lead, count in groups}
        for lead in self:
            lead.emc_project_count = counts.get(lead.id, 0)

    def _prepare_emc_project_values(self, partner, site):
        """Hook: values carried from the opportunity to the new project."""
        self.ensure_one()
        return {
            "name": self.name,
            "partner_id": partner.id,
            "company_id": (self.company_id or self.env.company).id,
            "user_id": (self.user_id or self.env.user).id,
            "lead_id": self.id,
            "description": self.description,
            "investment": self.expected_revenue,
            "site_ids": [(6, 0, site.ids)],
        }

    def _prepare_emc_site_values(self, partner):
        self.ensure_one()
        return {
            "name": _("%(client)s main site", client=partner.commercial_partner_id.name),
            "partner_id": partner.commercial_partner_id.id,
            "company_id": (self.company_id or self.env.company).id,
            "street": self.street,
            "city": self.city,
            "state_id": self.state_id.id,
            "country_id": self.country_id.id or self.env.ref("base.cn").id,
        }

    def action_create_emc_project(self):
        """Create an EMC project from the opportunity, carrying its data over.

        The client becomes the project's client enterprise (created from the
        lead when needed) and the lead's address becomes the first site.
        """
        self.ensure_one()
        if self.emc_project_ids:
            raise UserError(_("Opportunity %(lead)s already has an EMC project.", lead=self.name))
        partner = self.partner_id
        if not partner:
            if not (self.partner_name or self.contact_name):
                raise UserError(
                    _(
                        "Opportunity %(lead)s has no customer: set the company name "
                        "before creating the project.",
                        lead=self.name,
                    )
                )
            self._handle_partner_assignment(create_missing=True)
            partner = self.partner_id
        client = partner.commercial_partner_id
        site = self.env["emc.site"].create(self._prepare_emc_site_values(client))
        project = self.env["emc.project"].create(self._prepare_emc_project_values(client, site))
        self.message_post(
            body=_("EMC project %(code)s created from this opportunity.", code=project.code)
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "emc.project",
            "res_id": project.id,
            "view_mode": "form",
        }

    def action_view_emc_projects(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("emc_project.emc_project_action")
        action["domain"] = [("lead_id", "=", self.id)]
        return action

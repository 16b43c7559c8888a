from odoo import models


class EmcContract(models.Model):
    """A contract that reaches the signing stage is notified to the client to sign."""

    _inherit = "emc.contract"

    def _on_stage_changed(self, old_stage, new_stage):
        result = super()._on_stage_changed(old_stage, new_stage)
        if new_stage == "signing":
            contracts = self.filtered("partner_id")
            self.env["emc.notification"]._notify(
                "contract_to_sign",
                contracts,
                lambda contract: contract.partner_id,
                lambda contract, _partner: {
                    "contract": contract.name,
                    "title": contract.title,
                    "subject": self.env._("Contract %(name)s is ready to sign", name=contract.name),
                },
                # A contract may come back to signing after a rework: once per entry.
                key=str(self.env.cr.now()),
            )
        return result

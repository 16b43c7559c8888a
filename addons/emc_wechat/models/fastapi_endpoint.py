from odoo import fields, models

APPS = ("emc_mp", "emc_integrator")


class FastapiEndpoint(models.Model):
    _inherit = "fastapi.endpoint"

    app = fields.Selection(
        selection_add=[
            ("emc_mp", "EMC mini-program (customers)"),
            ("emc_integrator", "EMC integrators"),
        ],
        ondelete={"emc_mp": "cascade", "emc_integrator": "cascade"},
    )

    def _get_fastapi_routers(self):
        # Imported here: the routers import the models' modules.
        from ..routers import integrator, mp

        if self.app == "emc_mp":
            return [mp.router]
        if self.app == "emc_integrator":
            return [integrator.router]
        return super()._get_fastapi_routers()

    def _get_routing_info(self):
        routing = super()._get_routing_info()
        if self.app in APPS:
            # Our dispatcher answers errors as {code, message} and limits sizes.
            routing["type"] = "emc_fastapi"
            routing["save_session"] = False
        return routing

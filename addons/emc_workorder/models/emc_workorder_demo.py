from odoo import _, models
from odoo.exceptions import AccessError, UserError

# What a customer does to a work order through the portal or the mini-program.
# ``_load_records`` is the creation of a request under its XML id.
CUSTOMER_OPERATIONS = (
    "_load_records",
    "action_submit",
    "action_resubmit",
    "action_confirm_scheme",
    "action_reject_scheme",
    "action_rate",
)


class EmcWorkorder(models.Model):
    _inherit = "emc.workorder"

    def _demo_as_customer(self, user_id, operation, *args):
        """Demo data only: run one customer operation the way the portal does.

        The portal controllers check the customer's access to the order, then
        call the model method on a superuser record that keeps the customer's
        uid, so that the evidence events and messages name the customer. The
        ``uid`` attribute of XML data sets the user but never superuser mode
        (a portal user may not create or write work orders), hence this
        helper. It is private, runs only as superuser (the data loader) and
        only the customer operations of CUSTOMER_OPERATIONS, as a portal user.
        """
        if not self.env.su:
            raise AccessError(_("Only the data loader may replay a customer's steps."))
        customer = self.env["res.users"].browse(user_id).exists()
        if not customer or not customer._is_portal():
            raise UserError(_("%(user)s is not a portal user.", user=customer.display_name))
        if operation not in CUSTOMER_OPERATIONS:
            raise UserError(
                _("%(operation)s is not something a customer does.", operation=operation)
            )
        return getattr(self.with_user(customer).sudo(), operation)(*args)

from collections import defaultdict

from odoo import models
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)


class EmcWorkorder(models.Model):
    """Notices of work orders to customers and staff, from ``mail.template`` records.

    The templates are in ``data/mail_template_data.xml``, translated in
    ``i18n/zh_CN.po``. A customer notice is rendered in the language its
    template names (``lang``: the customer's); a staff notice to several
    people is rendered once per language among them.
    """

    _inherit = "emc.workorder"

    def _render_notice(self, template, lang=None, add_context=None):
        """{order id: (subject, body)} of ``template``: in ``lang``, else the template's."""
        options = {"set_lang": lang} if lang else {"compute_lang": True}
        subjects = template._render_field("subject", self.ids, add_context=add_context, **options)
        bodies = template._render_field("body_html", self.ids, add_context=add_context, **options)
        return {order_id: (subjects[order_id], bodies[order_id]) for order_id in self.ids}

    def _notify_customer(self, template_xmlid):
        """Post the customer notice ``template_xmlid`` on each order, to its enterprise.

        emc_wechat overrides this to push the same notice to the mini-program.
        """
        orders = self.filtered("partner_id")
        if not orders:
            return
        notices = orders._render_notice(self.env.ref(template_xmlid))
        for order in orders:
            subject, body = notices[order.id]
            order.message_post(
                subject=subject,
                body=body,
                partner_ids=order.partner_id.ids,
                message_type="notification",
                subtype_xmlid="mail.mt_comment",
            )

    def _notify_staff(self, template_xmlid, users, post=True, add_context=None):
        """Tell ``users`` about this order with ``template_xmlid``, each in their language.

        With ``post`` the notice goes into the order's chatter, else only to
        the users' inboxes (or mail), linked to the order.
        """
        self.ensure_one()
        template = self.env.ref(template_xmlid)
        by_lang = defaultdict(list)
        for user in users:
            by_lang[user.lang or "en_US"].append(user.partner_id.id)
        for lang, partner_ids in by_lang.items():
            subject, body = self._render_notice(template, lang, add_context)[self.id]
            if post:
                self.message_post(
                    subject=subject,
                    body=body,
                    partner_ids=partner_ids,
                    message_type="notification",
                    subtype_xmlid="mail.mt_comment",
                )
            else:
                self.message_notify(partner_ids=partner_ids, subject=subject, body=body)

    def _alert_managers(self, report):
        """An exception reaches the department admins (and the assignee) at once."""
        self.ensure_one()
        group = self.env.ref("emc_workorder.group_wo_dept_admin")
        admins = group.users.filtered(lambda u: self.company_id in u.company_ids)
        self._notify_staff(
            "emc_workorder.mail_template_exception",
            admins | self.user_id,
            add_context={"report": report},
        )
        for admin in admins:
            self._schedule_todo(
                admin,
                (_lt("Exception to handle on %(order)s"), {"order": self.name}),
                note=report.note,
            )

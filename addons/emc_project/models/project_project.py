from odoo import fields, models


class ProjectProject(models.Model):
    _inherit = "project.project"

    emc_project_id = fields.Many2one("emc.project", string="EMC project", index="btree_not_null")


class ProjectTask(models.Model):
    _inherit = "project.task"

    emc_log_ids = fields.One2many("emc.construction.log", "task_id", string="Construction logs")

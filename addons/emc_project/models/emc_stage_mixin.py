from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_list
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)


def stage_field(stages, default, **kwargs):
    """The stage field of a model using ``emc.stage.mixin``.

    Tracked (one chatter message per transition), indexed, never copied, and
    grouped by every stage of the flow.
    """
    return fields.Selection(
        stages,
        string="Stage",
        default=default,
        required=True,
        tracking=True,
        index=True,
        copy=False,
        group_expand="_group_expand_stages",
        **kwargs,
    )


class EmcStageMixin(models.AbstractModel):
    """Checked stage transitions, shared by projects, work orders, contracts, settlements.

    A model using the mixin declares its stage with :func:`stage_field` under
    the name ``_stage_field`` (tracked: the chatter records each move once;
    grouped by every stage). Each transition is
    one ``action_*`` method that calls ``_check_stage`` and then
    ``_set_stage``; a model with an evidence chain appends its event in that
    method. ``_stage_record_label`` names a record in the errors ("Project",
    "Work order"), followed by its display name.
    """

    _name = "emc.stage.mixin"
    _description = "Checked stage transitions"

    _stage_field = "state"
    _stage_record_label = _lt("Record")
    # Stages not offered as empty columns of grouped views (e.g. cancelled).
    _stage_hidden_groups = ()

    def _stage_labels(self):
        """Translated label of every stage, by code."""
        field = self._fields[self._stage_field]
        return dict(field._description_selection(self.env))

    @api.model
    def _group_expand_stages(self, stages, domain):
        """Every stage of the flow is a column, even when no record is in it."""
        hidden = set(self._stage_hidden_groups)
        values = self._fields[self._stage_field].get_values(self.env)
        return [stage for stage in values if stage not in hidden]

    def _check_stage(self, allowed, action_label):
        """Raise a translated error unless every record is at one of the ``allowed`` stages."""
        labels = self._stage_labels()
        for record in self:
            stage = record[self._stage_field]
            if stage not in allowed:
                raise UserError(
                    self.env._(
                        "%(label)s %(record)s is at stage “%(stage)s”: “%(action)s” is only "
                        "possible at %(allowed)s.",
                        label=self.env._(self._stage_record_label),
                        record=record.display_name,
                        stage=labels.get(stage, stage),
                        action=action_label,
                        allowed=format_list(
                            self.env, [f"“{labels.get(s, s)}”" for s in allowed], style="or"
                        ),
                    )
                )

    def _set_stage(self, new_stage, values=None):
        """Move the records to ``new_stage``, one write per record.

        ``values`` maps a record id to the other fields the transition writes;
        they go into the same write as the stage and the values of
        ``_prepare_stage_values``. The hook ``_on_stage_changed`` then runs once
        for each group of records that left the same stage.
        """
        values = values or {}
        staged = self._prepare_stage_values(new_stage, values)
        # Access rules are checked once for the batch; checked again on every
        # one-record write, some rules would cost a query per record.
        self.check_access("write")
        moved = defaultdict(list)
        for record in self:
            moved[record[self._stage_field]].append(record.id)
            record.sudo().write(
                {
                    **staged.get(record.id, {}),
                    **values.get(record.id, {}),
                    self._stage_field: new_stage,
                }
            )
        for old_stage, ids in moved.items():
            self.browse(ids)._on_stage_changed(old_stage, new_stage)
        return True

    def _prepare_stage_values(self, new_stage, values):
        """Hook: {record id: field values} every move to ``new_stage`` writes (dates, clocks).

        ``values`` holds the transition's own values by record id, for the
        models whose stage values depend on them.
        """
        return {}

    def _on_stage_changed(self, old_stage, new_stage):
        """Hook for the addons above (metering, contracts, WeChat) to react.

        Called on the records that moved together from ``old_stage``.
        """
        return True

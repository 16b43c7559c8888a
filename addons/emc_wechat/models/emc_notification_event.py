"""The events the notification routing knows, shared by the log and the templates."""

# Customer-facing events first, staff ones after. Addons that add events
# extend the selections with ``selection_add`` on emc.notification and the
# two template models.
NOTIFICATION_EVENTS = [
    ("precheck_failed", "Request returned by the pre-check"),
    ("scheme_ready", "Scheme ready for confirmation"),
    ("survey_scheduled", "Site survey scheduled"),
    ("acceptance", "Work order accepted and closed"),
    ("contract_to_sign", "Contract to sign"),
    ("settlement_to_confirm", "Settlement to confirm"),
    ("meter_anomaly", "Metering anomaly"),
    ("sla_escalation", "SLA escalation"),
]
CHANNELS = [("wechat", "WeChat subscribe message"), ("sms", "SMS"), ("mail", "Mail")]
CHANNEL_ORDER = [code for code, _label in CHANNELS]

from . import sms_report

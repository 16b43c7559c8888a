from . import test_wechat_gateway
from . import test_notify_routing
from . import test_sms_quota
from . import test_notify_hooks
from . import test_sms_report_route

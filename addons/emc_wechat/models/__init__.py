from . import emc_wechat_client
from . import emc_wechat_token
from . import emc_wechat_api_key
from . import emc_wechat_rate_limit
from . import res_partner_wechat
from . import res_config_settings_wechat_api
from . import fastapi_endpoint

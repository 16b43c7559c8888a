from . import emc_settlement_reason
from . import emc_contract_terminate_wizard
from . import emc_contract_sign_wizard
from . import emc_contract_upload_wizard

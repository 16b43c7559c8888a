from . import emc_contract
from . import emc_contract_price
from . import emc_contract_tou_line
from . import emc_contract_tier
from . import emc_contract_guarantee_line
from . import emc_contract_terms

from . import emc_cash_flow_xlsx
from . import emc_settlement_xlsx
from . import emc_settlement_fapiao_xlsx

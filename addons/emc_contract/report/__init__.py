from . import emc_cash_flow_xlsx

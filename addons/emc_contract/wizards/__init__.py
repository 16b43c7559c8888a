from . import emc_settlement_reason

from . import test_contract_terms
from . import test_settlement
from . import test_settlement_accounting
from . import test_settlement_cron
from . import test_settlement_portal

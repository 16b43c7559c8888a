from . import test_contract_terms
from . import test_funds_budget
from . import test_funds_request
from . import test_funds_cash_flow
from . import test_settlement
from . import test_settlement_accounting
from . import test_settlement_cron
from . import test_settlement_portal

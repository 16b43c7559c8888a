from . import test_contract_terms
from . import test_funds_budget
from . import test_funds_request
from . import test_funds_cash_flow

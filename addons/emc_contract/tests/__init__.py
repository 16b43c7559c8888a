from . import test_contract_terms
from . import test_contract_lifecycle
from . import test_contract_clauses
from . import test_contract_workorder
from . import test_contract_portal

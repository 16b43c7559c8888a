from . import test_contract_terms

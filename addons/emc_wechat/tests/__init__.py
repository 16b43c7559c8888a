from . import test_api_auth
from . import test_api_customer
from . import test_api_integrator
from . import test_api_schemathesis

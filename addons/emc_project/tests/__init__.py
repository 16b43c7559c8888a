from . import test_lead_conversion
from . import test_lifecycle
from . import test_scheme
from . import test_recommendation
from . import test_risk_flags
from . import test_security
from . import test_acceptance_report
from . import test_portal

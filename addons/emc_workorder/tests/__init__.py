from . import test_workflow
from . import test_intake
from . import test_sla
from . import test_evidence
from . import test_security
from . import test_kpi
from . import test_portal

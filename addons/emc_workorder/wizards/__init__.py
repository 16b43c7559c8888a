from . import emc_workorder_reassign
from . import emc_workorder_kpi_wizard

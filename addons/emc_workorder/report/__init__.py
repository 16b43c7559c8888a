from . import emc_workorder_kpi_xlsx

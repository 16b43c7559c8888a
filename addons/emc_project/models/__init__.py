# The stage mixin first: the models below inherit it.
from . import emc_stage_mixin
from . import emc_upload_mixin
from . import (
    crm_lead,
    emc_acceptance,
    emc_acceptance_criterion,
    emc_acceptance_line,
    emc_construction_log,
    emc_construction_material,
    emc_feasibility,
    emc_project,
    emc_risk,
    emc_scheme,
    emc_scheme_line,
    emc_site,
    emc_site_energy,
    emc_site_equipment,
    emc_site_recommendation,
    emc_technology,
    project_project,
    res_company,
    res_config_settings,
    res_partner,
    res_users,
)

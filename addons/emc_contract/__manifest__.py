{
    "name": "EMC Contracts and Settlement",
    "summary": "Energy performance contracts of the five GB/T 24915 types from clause template "
    "to signature and archive; verified savings settled into Odoo Accounting; budgets, "
    "fund requests and cash flow",
    "version": "18.0.1.0.0",
    "category": "Services/EMC",
    "author": "EMC Suite",
    "website": "https://github.com/emc-suite/emc-suite",
    "license": "LGPL-3",
    "depends": [
        "emc_metering",
        "emc_workorder",
        "account",
        "portal",
        "l10n_cn",
        "queue_job",
        "report_xlsx",
    ],
    "data": [
        "security/ir.model.access.csv",
        "security/emc_contract_rules.xml",
        "data/ir_sequence_data.xml",
        "views/emc_contract_views.xml",
        "views/emc_contract_menus.xml",
        "security/emc_settlement_rules.xml",
        "data/emc_settlement_data.xml",
        "views/emc_settlement_reason_views.xml",
        "views/emc_settlement_views.xml",
        "views/emc_contract_settlement_views.xml",
        "report/emc_settlement_report.xml",
        "views/emc_settlement_portal_templates.xml",
    ],
    "demo": [
        "demo/emc_settlement_demo.xml",
    ],
    "application": True,
    "installable": True,
}

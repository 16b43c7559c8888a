{
    "name": "EMC Metering and M&V",
    "summary": "Meters read over RS-485 (Modbus RTU, DL/T 645-2007), Modbus TCP and MQTT "
    "by a fault-tolerant poller; readings at volume with rollups; baselines, savings, "
    "forecasts and anomalies measured and verified per IPMVP / ASHRAE Guideline 14",
    "version": "18.0.1.0.0",
    "category": "Services/EMC",
    "author": "EMC Suite",
    "website": "https://github.com/emc-suite/emc-suite",
    "license": "LGPL-3",
    "depends": [
        "emc_project",
        "emc_workorder",
    ],
    "external_dependencies": {"python": ["pymodbus", "pyserial", "paho-mqtt", "numpy"]},
    "data": [
        "security/ir.model.access.csv",
        "security/emc_metering_rules.xml",
        "data/emc_meter_device_model_data.xml",
        "data/ir_cron_data.xml",
        "views/emc_meter_device_model_views.xml",
        "views/emc_meter_gateway_views.xml",
        "views/emc_meter_views.xml",
        "views/emc_meter_rollup_views.xml",
        "views/emc_site_views.xml",
        "views/emc_metering_menus.xml",
    ],
    "demo": [],
    "application": True,
    "installable": True,
}

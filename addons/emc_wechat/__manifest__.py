{
    "name": "EMC WeChat bridge",
    "summary": "The WeChat mini-program's REST API with its OpenAPI document, WeChat and SMS "
    "gateways, notification routing with the SMS quota, and the integrator API",
    "version": "18.0.1.0.0",
    "category": "Services/EMC",
    "author": "EMC Suite",
    "website": "https://github.com/emc-suite/emc-suite",
    "license": "LGPL-3",
    "depends": [
        "emc_contract",
        "emc_workorder",
        "fastapi",
        "queue_job",
        "phone_validation",
    ],
    "external_dependencies": {"python": ["fastapi", "pydantic", "requests"]},
    "data": [
        "security/ir.model.access.csv",
        "views/emc_wechat_menus.xml",
    ],
    "demo": [],
    "application": False,
    "installable": True,
}

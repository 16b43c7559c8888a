/** @odoo-module **/
/**
 * From a CRM opportunity to the approval request of its EMC project, in the
 * back office, as a Chinese-speaking project manager.
 *
 * The data (opportunity, client, technology, reviewer) is created by
 * emc_project/tests/test_tour_lead_to_approval.py, which also checks the
 * records the tour leaves behind.
 */
import { registry } from "@web/core/registry";

const SCHEME = "照明与水泵节能改造方案";
const TECHNOLOGY = "巡检测试LED照明";

function currentStage(label) {
    return {
        content: `The project is at stage ${label}`,
        trigger: `.o_form_view .o_statusbar_status .o_arrow_button_current:contains(${label})`,
    };
}

registry.category("web_tour.tours").add("emc_project_lead_to_approval", {
    steps: () => [
        {
            content: "Create the EMC project from the opportunity",
            trigger: ".o_form_view button[name=action_create_emc_project]:contains(创建合同能源管理项目)",
            run: "click",
        },
        currentStage("项目立项"),
        {
            content: "The lead's address became the project's first site",
            trigger: ".o_field_widget[name=site_ids] .o_tag:contains(主用能场所)",
        },
        {
            content: "Start the market research",
            trigger: ".o_form_view button[name=action_start_research]:contains(开始市场调研)",
            run: "click",
        },
        currentStage("市场调研"),
        {
            content: "Start the feasibility study",
            trigger: ".o_form_view button[name=action_start_feasibility]:contains(开始可行性分析)",
            run: "click",
        },
        currentStage("可行性分析"),
        {
            content: "Add a scheme",
            trigger: ".o_field_widget[name=scheme_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "Name the scheme",
            trigger: ".modal .o_form_view .o_field_widget[name=name] input",
            run: `edit ${SCHEME}`,
        },
        {
            content: "Add a technology line",
            trigger: ".modal .o_field_widget[name=line_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "Choose the technology",
            trigger: ".modal .o_field_widget[name=line_ids] .o_data_row .o_field_widget[name=technology_id] input",
            run: `edit ${TECHNOLOGY}`,
        },
        {
            trigger: `.o-autocomplete--dropdown-item a:contains(${TECHNOLOGY})`,
            run: "click",
        },
        {
            content: "Investment of the line",
            trigger: ".modal .o_field_widget[name=line_ids] .o_data_row .o_field_widget[name=capex] input",
            run: "edit 300000",
        },
        {
            content: "Yearly savings (kWh)",
            trigger: ".modal .o_field_widget[name=line_ids] .o_data_row .o_field_widget[name=saving_kwh] input",
            run: "edit 220000",
        },
        {
            content: "Yearly savings (amount)",
            trigger: ".modal .o_field_widget[name=line_ids] .o_data_row .o_field_widget[name=saving_amount] input",
            run: "edit 150000",
        },
        {
            content: "Save the scheme",
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            content: "Save the project with its new scheme",
            trigger: ".o_form_view .o_form_status_indicator .o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_view .o_form_saved",
        },
        {
            content: "Select the scheme for the project",
            trigger: `.o_field_widget[name=scheme_ids] .o_data_row:contains(${SCHEME}) button[name=action_select]`,
            run: "click",
        },
        {
            content: "The selected scheme drives the payback shown on the project",
            trigger: ".o_form_view .o_field_widget[name=payback_years]:contains(2.00)",
        },
        {
            content: "Check the feasibility",
            trigger: ".o_form_view button[name=action_check_feasibility]:contains(检查可行性)",
            run: "click",
        },
        {
            content: "The check recommends the project",
            trigger: ".modal .o_field_widget[name=recommendation] :contains(/^推荐$/)",
        },
        {
            content: "Close the feasibility check",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "Submit the project for approval",
            trigger: ".o_form_view button[name=action_submit_approval]:contains(提交立项审批)",
            run: "click",
        },
        currentStage("立项审批"),
        {
            content: "The stage change is tracked once in the project's history, in Chinese",
            trigger:
                ".o-mail-Message-tracking:has(.o-mail-Message-trackingOld:contains(可行性分析))" +
                ":has(.o-mail-Message-trackingNew:contains(立项审批))",
        },
    ],
});

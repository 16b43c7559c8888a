/** @odoo-module **/
/**
 * A service-desk request entered in the back office by a department admin
 * of the power bureau: intake, pre-check, manual classification and
 * dispatch, then the scheme document uploaded and pushed to the customer.
 * The user reads the desk in Chinese.
 *
 * emc_workorder/tests/test_tour_backoffice.py creates the organisation,
 * type, rules and staff, and checks the order and its evidence afterwards.
 */
import { registry } from "@web/core/registry";

const ENTERPRISE = "巴中巡检测试食品有限公司";
const TYPE = "巡检测试电力接入";
const HANDLER = "马测试（客户经理）";
const SCHEME_FILE = "巡检测试供电方案.pdf";
// Checked byte for byte by the Python test.
const SCHEME_PDF = "%PDF-1.4\n% EMC tour scheme\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

function currentStage(value, label) {
    return {
        content: `The work order is at stage ${label}`,
        trigger: `.o_form_view .o_statusbar_status .o_arrow_button_current[data-value=${value}]:contains(${label})`,
    };
}

registry.category("web_tour.tours").add("emc_workorder_backoffice", {
    steps: () => [
        {
            content: "Open a new work order from the desk",
            trigger: ".o_control_panel_main_buttons .o-kanban-button-new, .o_control_panel_main_buttons .o_list_button_add",
            run: "click",
        },
        currentStage("intake", "需求录入"),
        {
            content: "The enterprise",
            trigger: ".o_field_widget[name=partner_id] input",
            run: `edit ${ENTERPRISE}`,
        },
        {
            trigger: `.o-autocomplete--dropdown-item a:contains(${ENTERPRISE})`,
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=contact_name] input",
            run: "edit 王测试",
        },
        {
            trigger: ".o_field_widget[name=street] input",
            run: "edit 巴州区工业园路8号",
        },
        {
            trigger: ".o_field_widget[name=city] input",
            run: "edit 巴中市",
        },
        {
            content: "What the customer asked on the phone (no keyword of any type)",
            trigger: ".o_field_widget[name=description] textarea",
            run: "edit 我们厂区有用电方面的问题想咨询，请安排专人联系。",
        },
        {
            // Last: once set, the phone shows its E.164 form in a new row of
            // the group, which re-renders the fields below it.
            content: "The contact's mobile phone",
            trigger: ".o_field_widget[name=phone] input",
            run: "edit 13881680001",
        },
        {
            content: "Submit: the pre-check runs at once",
            trigger: ".o_form_view button[name=action_submit]:contains(提交)",
            run: "click",
        },
        currentStage("dispatch", "派单"),
        {
            content: "Nothing matched: the desk is asked to choose the type",
            trigger: ".o_form_view .alert-info:contains(无法自动确定类型)",
        },
        {
            content: "Choose the type",
            trigger: ".o_field_widget[name=type_id] input",
            run: `edit ${TYPE}`,
        },
        {
            trigger: `.o-autocomplete--dropdown-item a:contains(${TYPE})`,
            run: "click",
        },
        {
            content: "Confirm the type and dispatch",
            trigger: ".o_form_view button[name=action_ui_confirm_type]:contains(确认类型并派单)",
            run: "click",
        },
        currentStage("scheme", "方案"),
        {
            content: "Dispatched to the least loaded qualified handler",
            trigger: `.o_field_widget[name=user_id] input:value(${HANDLER})`,
        },
        {
            content: "Open the scheme tab",
            trigger: ".o_notebook a.nav-link[name=scheme]",
            run: "click",
        },
        {
            content: "Upload the scheme document",
            trigger: ".o_field_widget[name=scheme_file] .o_select_file_button",
            run() {
                // The file input of the binary field is hidden behind its button:
                // give it a file the way the browser's file picker would.
                const input = this.anchor
                    .closest(".o_field_widget")
                    .querySelector("input.o_input_file");
                const transfer = new DataTransfer();
                transfer.items.add(new File([SCHEME_PDF], SCHEME_FILE, { type: "application/pdf" }));
                input.files = transfer.files;
                input.dispatchEvent(new Event("change", { bubbles: true }));
            },
        },
        {
            content: "The document is on the form",
            trigger: `.o_field_widget[name=scheme_file] input.o_input:value(${SCHEME_FILE})`,
        },
        {
            content: "Record the scheme",
            trigger: ".o_form_view button[name=action_ui_upload_scheme]:contains(录入方案)",
            run: "click",
        },
        {
            content: "Recorded: the saved document can be downloaded",
            trigger: ".o_field_widget[name=scheme_file] .o_download_file_button",
        },
        {
            content: "Push the scheme to the customer",
            trigger: ".o_form_view button[name=action_push_scheme]:contains(推送方案给客户)",
            run: "click",
        },
        currentStage("confirm", "方案确认"),
    ],
});

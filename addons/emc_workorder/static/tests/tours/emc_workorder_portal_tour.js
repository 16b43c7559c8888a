/** @odoo-module **/
/**
 * The enterprise customer on a phone, in Chinese: submits a request with a
 * site photo at /my/workorders/new, signs the scheme of an order waiting for
 * its confirmation (drawing in the signature widget), and rates a closed
 * order.
 *
 * emc_workorder/tests/test_tour_portal.py prepares the two orders through
 * the model methods, runs this tour on a 390×844 touch screen and checks the
 * records afterwards.
 */
import { registry } from "@web/core/registry";

const DESCRIPTION = "新建冷库需要办理用电报装接电，用电负荷约200kW。";
const RATING_COMMENT = "抢修及时，服务专业。";

/** A small real PNG, drawn on a canvas, as a phone camera would give one. */
async function sitePhoto() {
    const canvas = document.createElement("canvas");
    canvas.width = 64;
    canvas.height = 48;
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#4a7bb7";
    ctx.fillRect(0, 0, 64, 48);
    ctx.fillStyle = "#f0c850";
    ctx.fillRect(8, 20, 48, 20);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
    return new File([blob], "现场照片.png", { type: "image/png" });
}

function pause(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Draw one stroke across the signature pad with pointer events, like a finger. */
async function drawSignature(canvas) {
    const rect = canvas.getBoundingClientRect();
    const at = (fx, fy) => ({
        clientX: rect.left + rect.width * fx,
        clientY: rect.top + rect.height * fy,
        bubbles: true,
        cancelable: true,
        isPrimary: true,
        pointerId: 1,
        pointerType: "touch",
        pressure: 0.5,
        buttons: 1,
    });
    canvas.dispatchEvent(new PointerEvent("pointerdown", at(0.1, 0.6)));
    for (let i = 1; i <= 24; i++) {
        // The pad throttles moves to one every 16 ms.
        await pause(25);
        canvas.dispatchEvent(
            new PointerEvent("pointermove", at(0.1 + 0.033 * i, 0.55 - 0.3 * Math.sin(i / 2.5)))
        );
    }
    document.dispatchEvent(new PointerEvent("pointerup", { ...at(0.9, 0.5), buttons: 0 }));
}

registry.category("web_tour.tours").add("emc_workorder_portal", {
    steps: () => [
        // 1. A new request, with a photo of the site.
        {
            content: "The customer's service requests",
            trigger: "h3:contains(服务需求), .o_portal_my_doc_table, .breadcrumb:contains(服务需求)",
        },
        {
            content: "New request",
            trigger: "a.o_emc_wo_new:contains(新建需求)",
            run: "click",
        },
        {
            content: "The enterprise is the customer's own",
            trigger: ".o_emc_portal_workorder_new input[disabled]:value(巴中巡检测试食品有限公司)",
        },
        {
            content: "The contact is filled in from the customer's account",
            trigger: "#wo_new_contact:value(王测试)",
        },
        {
            content: "Choose the service",
            trigger: "#wo_new_type",
            run: "selectByLabel 巡检测试电力接入",
        },
        {
            content: "Describe the request",
            trigger: "#wo_new_description",
            run: `edit ${DESCRIPTION}`,
        },
        {
            content: "Attach a photo of the site",
            trigger: "#wo_new_photos",
            async run() {
                const transfer = new DataTransfer();
                transfer.items.add(await sitePhoto());
                this.anchor.files = transfer.files;
                this.anchor.dispatchEvent(new Event("change", { bubbles: true }));
            },
        },
        {
            content: "Submit the request",
            trigger: ".o_emc_portal_workorder_new button[type=submit]:contains(提交需求)",
            run: "click",
        },
        {
            content: "Submitted, pre-checked and dispatched at once: the scheme is being prepared",
            trigger: ".o_emc_portal_workorder .alert-success:contains(您的需求已提交。)",
        },
        {
            trigger: ".o_emc_portal_workorder .badge:contains(/^方案$/)",
        },
        {
            content: "The history shows the pre-check",
            trigger: ".o_emc_wo_timeline .o_emc_wo_event_label:contains(预审通过)",
        },
        {
            content: "Back to the list",
            trigger: ".breadcrumb a[href='/my/workorders']",
            run: "click",
        },
        // 2. Sign the scheme of the order waiting for confirmation.
        {
            content: "Open the order waiting for the customer's confirmation",
            trigger: "tr:has(.badge:contains(方案确认)) a[href^='/my/workorders/']",
            run: "click",
        },
        {
            content: "Confirm and sign",
            trigger: ".o_emc_wo_confirm a[data-bs-target='#modal_wo_confirm']:contains(确认并签名)",
            async run(helpers) {
                // The signature pad is reset once the modal has finished opening:
                // mark that moment, so that the drawing comes after it.
                const modal = document.querySelector("#modal_wo_confirm");
                modal.addEventListener(
                    "shown.bs.modal",
                    () => modal.setAttribute("data-tour-shown", "1"),
                    { once: true }
                );
                await helpers.click();
            },
        },
        {
            content: "The signature form is open",
            trigger: "#modal_wo_confirm[data-tour-shown] .o_web_sign_name_and_signature",
        },
        {
            content: "The signer's name is the order's contact",
            trigger: "#modal_wo_confirm .o_web_sign_name_input:value(王测试)",
        },
        {
            content: "Sign by hand",
            trigger: "#modal_wo_confirm .o_web_sign_draw_button",
            run: "click",
        },
        {
            content: "Draw the signature",
            trigger: "#modal_wo_confirm .o_web_sign_draw_button.active",
            async run() {
                await drawSignature(document.querySelector("#modal_wo_confirm canvas.o_web_sign_signature"));
            },
        },
        {
            content: "Send the signed confirmation",
            trigger: "#modal_wo_confirm .o_portal_sign_submit:enabled",
            run: "click",
        },
        {
            content: "Confirmed, with the signature on the page",
            trigger: ".o_emc_portal_workorder .alert-success:contains(感谢您：方案已通过您的签名确认。)",
        },
        {
            trigger: ".o_emc_wo_signature img",
        },
        {
            trigger: ".breadcrumb a[href='/my/workorders']",
            run: "click",
        },
        // 3. Rate the closed order.
        {
            content: "Open the closed order",
            trigger: "tr:has(.badge:contains(已办结)) a[href^='/my/workorders/']",
            run: "click",
        },
        {
            content: "Five stars",
            trigger: ".o_emc_wo_rating label[for=wo_star_5]",
            run: "click",
        },
        {
            trigger: "#wo_rating_comment",
            run: `edit ${RATING_COMMENT}`,
        },
        {
            content: "Send the rating",
            trigger: ".o_emc_wo_rating button[type=submit]:contains(提交评价)",
            run: "click",
        },
        {
            content: "Thanked for the rating",
            trigger: ".o_emc_portal_workorder .alert-success:contains(感谢您对我们服务的评价。)",
        },
        {
            trigger: ".o_emc_wo_rating:not(:has(form))",
        },
    ],
});

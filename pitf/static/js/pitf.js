/* Small enhancements of USWDS components, loaded after uswds.min.js (CSP: no inline script). */
(function () {
  "use strict";

  /* Confirmation before a step that cannot be undone or that notifies people (templates/_confirm.html).
     The USWDS modal opens from the step's button; this keeps that button's form from posting until the
     modal's own button (data-pitf-confirmed, name="confirm") is pressed, including on Enter in a field. */
  // The modals are hidden only for pages without JavaScript (USWDS may have moved them already).
  Array.prototype.forEach.call(document.querySelectorAll(".usa-modal[hidden]"), function (modal) {
    modal.removeAttribute("hidden");
  });
  var triggers = document.querySelectorAll("[data-pitf-confirm]");
  Array.prototype.forEach.call(triggers, function (trigger) {
    var form = trigger.form;
    if (!form || form.hasAttribute("data-pitf-confirm-form")) {
      return;
    }
    form.setAttribute("data-pitf-confirm-form", "");
    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      if (!submitter || !submitter.hasAttribute("data-pitf-confirmed")) {
        event.preventDefault(); // the modal asks first (it opened on the click that got here)
      }
    });
  });

  /* The USWDS combo box replaces its select by a text input and keeps only the label: give the input the
     select's hint and error too. Runs after USWDS has built the boxes (its handler was registered first). */
  document.addEventListener("DOMContentLoaded", function () {
    var boxes = document.querySelectorAll(".usa-combo-box");
    Array.prototype.forEach.call(boxes, function (box) {
      var select = box.querySelector("select");
      var input = box.querySelector("input.usa-combo-box__input");
      if (select && input && select.getAttribute("aria-describedby")) {
        input.setAttribute("aria-describedby", select.getAttribute("aria-describedby"));
      }
    });
  });
}());

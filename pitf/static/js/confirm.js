/* Confirmation before a step that cannot be undone or that notifies people (templates/_confirm.html).
   The USWDS modal opens from the step's button; this keeps that button's form from posting until the
   modal's own button (name="confirm") is pressed, including on Enter in one of the form's fields. */
(function () {
  "use strict";
  var triggers = document.querySelectorAll("[data-pitf-confirm]");
  Array.prototype.forEach.call(triggers, function (trigger) {
    var modal = document.getElementById(trigger.getAttribute("data-pitf-confirm"));
    if (modal) {
      modal.removeAttribute("hidden"); // hidden only for pages without JavaScript
    }
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
}());

/* The rule form, enhanced: fields that do not apply to the chosen case type, kind of rule or
 * delegate are hidden. Without JavaScript every field shows and the server's checker names a limit
 * that does not apply. A field that holds a value is never hidden, so nothing typed or stored
 * disappears from view. Each field's wrapper says where it applies:
 *   data-case-types="deferral instalment_plan"   data-delegate-types="named_position"
 *   data-rule-kinds="bar"
 * (the server writes them from the same table the checker uses). */
(function () {
  "use strict";

  function chosen(form, name) {
    var field = form.querySelector('[name$="' + name + '"]');
    return field ? field.value : "";
  }

  function applies(list, value) {
    return list === undefined || list.split(" ").indexOf(value) !== -1;
  }

  function holdsValue(wrapper) {
    var fields = wrapper.querySelectorAll("input, select, textarea");
    for (var i = 0; i < fields.length; i++) {
      var field = fields[i];
      if (field.type === "checkbox" || field.type === "radio") {
        if (field.checked) { return true; }
      } else if (field.type !== "hidden" && field.value.trim() !== "") {
        return true;
      }
    }
    return false;
  }

  function update(form) {
    var caseType = chosen(form, "case_type");
    var kind = chosen(form, "kind");
    var delegate = chosen(form, "delegate_type");
    var wrappers = form.querySelectorAll("[data-case-types], [data-delegate-types], [data-rule-kinds]");
    for (var i = 0; i < wrappers.length; i++) {
      var wrapper = wrappers[i];
      var shown = applies(wrapper.dataset.caseTypes, caseType) &&
        applies(wrapper.dataset.delegateTypes, delegate) &&
        applies(wrapper.dataset.ruleKinds, kind);
      wrapper.hidden = !shown && !holdsValue(wrapper);
    }
  }

  function enhance(root) {
    var forms = root.querySelectorAll ? root.querySelectorAll("form[data-rule-form]") : [];
    if (root.matches && root.matches("form[data-rule-form]")) { forms = [root].concat([].slice.call(forms)); }
    for (var i = 0; i < forms.length; i++) {
      var form = forms[i];
      if (form.dataset.enhanced) { continue; }
      form.dataset.enhanced = "yes";
      form.addEventListener("change", update.bind(null, form));
      update(form);
    }
  }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  // htmx swaps the draft's body (a rule added, a row opened for editing): enhance what came in.
  document.addEventListener("htmx:load", function (event) { enhance(event.detail.elt); });
}());

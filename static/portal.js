// Progressive enhancement only; every page works without it. No inline scripts (strict CSP).
document.addEventListener("DOMContentLoaded", function () {
  // After a refused form, move focus to the first field in error: screen readers then
  // announce its label and the error tied to it with aria-describedby.
  var invalid = document.querySelector(".is-invalid");
  if (invalid) {
    invalid.focus();
    return;
  }
  var wanted = document.querySelector("[data-autofocus]");
  if (wanted) {
    wanted.focus();
  }
});

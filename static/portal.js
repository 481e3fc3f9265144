// Progressive enhancement only; every page works without it. No inline scripts (strict CSP).
document.addEventListener("DOMContentLoaded", function () {
  // After a refused form, move focus to the first field in error: screen readers then
  // announce its label and the error tied to it with aria-describedby.
  var invalid = document.querySelector(".is-invalid");
  if (invalid) {
    invalid.focus();
    return;
  }
  // A scanner ends a code with Enter: in a field that says where to go next, Enter moves
  // there (the swap's reason) instead of submitting a form whose choices nobody made yet.
  document.querySelectorAll("[data-enter-moves-to]").forEach(function (field) {
    field.addEventListener("keydown", function (event) {
      var next = document.getElementById(field.getAttribute("data-enter-moves-to"));
      if (event.key === "Enter" && next) {
        event.preventDefault();
        next.focus();
      }
    });
  });
  // The proof of registration's Print button (the browser's own Print works as well).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () {
      window.print();
    });
  });
  var wanted = document.querySelector("[data-autofocus]");
  if (wanted) {
    wanted.focus();
  }
});

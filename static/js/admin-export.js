// The export page's "Select all" box (django-import-export wires it with an inline onchange).
document.querySelectorAll(".select-toggle").forEach((toggle) => {
  toggle.addEventListener("change", onSelectToggleChange);
});

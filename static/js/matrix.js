// The coverage matrix: keep the form's sort choice in step after htmx swaps the
// matrix (a sort link in a column header changes the order, not the form).
document.addEventListener("htmx:afterSettle", () => {
  const region = document.getElementById("matrix-region");
  const select = document.getElementById("sort");
  if (region && select) {
    select.value = region.dataset.sort;
  }
});

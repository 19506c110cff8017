// Buttons marked data-print open the browser's print dialog (a script file, not
// an onclick attribute: the Content-Security-Policy allows no inline script).
for (const button of document.querySelectorAll("[data-print]")) {
  button.addEventListener("click", () => window.print());
}

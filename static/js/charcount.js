// Long answers count down what is left of their limit. Without this script, each box's help
// text states the limit and the server checks it.
(function () {
  "use strict";
  function attach(box) {
    var limit = parseInt(box.getAttribute("data-charcount"), 10);
    if (!limit) {
      return;
    }
    var counter = document.createElement("p");
    counter.className = "charcount mt-1 mb-0";
    counter.id = box.id + "_charcount";
    counter.setAttribute("aria-live", "polite");
    box.insertAdjacentElement("afterend", counter);
    var described = box.getAttribute("aria-describedby");
    box.setAttribute("aria-describedby", (described ? described + " " : "") + counter.id);
    function update() {
      var left = limit - box.value.length;
      counter.textContent =
        left >= 0
          ? left.toLocaleString("en-GB") + " of " + limit.toLocaleString("en-GB") + " characters left"
          : (-left).toLocaleString("en-GB") + " characters too many";
      counter.classList.toggle("over", left < 0);
    }
    box.addEventListener("input", update);
    update();
  }
  document.querySelectorAll("textarea[data-charcount]").forEach(attach);
})();

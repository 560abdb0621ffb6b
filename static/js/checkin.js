// Check-in at the door (templates/events/staff/checkin.html). Our own code, no library.
//
// A tap that does not reach the server, or that the server fails (a 500, a timeout), leaves the
// row as it was with "Not saved" beside it, and the button works again to retry. A 409 (someone
// checked the person in first, or the check-in was already undone) is an answer, not a failure:
// its row is swapped in, saying who and when.
(function () {
  "use strict";

  var NOT_SAVED = "Not saved: check your connection and try again";

  function rowOf(element) {
    return element && element.closest ? element.closest("[data-checkin-row]") : null;
  }

  function errorBox(element) {
    var row = rowOf(element);
    return row ? row.querySelector("[data-checkin-error]") : null;
  }

  function showNotSaved(event) {
    var box = errorBox(event.detail.elt);
    if (!box) {
      return;
    }
    var hidden = document.createElement("span");
    hidden.className = "govuk-visually-hidden";
    hidden.textContent = "Error: ";
    box.replaceChildren(hidden, document.createTextNode(NOT_SAVED));
    box.hidden = false;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var box = errorBox(event.detail.elt);
    if (box) {
      box.hidden = true;
      box.replaceChildren();
    }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 409 && rowOf(event.detail.elt)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  ["htmx:responseError", "htmx:sendError", "htmx:timeout"].forEach(function (name) {
    document.addEventListener(name, showNotSaved);
  });
})();

// Initialise GOV.UK Frontend components (loaded as an ES module). Its address comes from the
// page, not from here, because it carries the file's content hash: this file's own hashed
// address then stays valid when only GOV.UK Frontend changes.
const govukFrontend = document.querySelector("script[data-govuk-frontend]").dataset.govukFrontend;

import(govukFrontend).then(({ initAll }) => initAll());

// Initialise GOV.UK Frontend components (loaded as an ES module).
import { initAll } from "/static/govuk/govuk-frontend.min.js";

initAll();

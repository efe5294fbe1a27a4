// webpack's and rspack's default entry (./src/index.js). Neither bundles CSS without a
// loader or configuration, so the panel's styles are left out here.
import "./app.js";

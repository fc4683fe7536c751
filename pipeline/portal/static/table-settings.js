/* The table page's one setting for Datasette's table.js (which runs deferred, after this), read
   from this script's data attribute instead of an inline script the Content-Security-Policy refuses. */
window.DATASETTE_ALLOW_FACET = document.currentScript.dataset.allowFacet === "true";

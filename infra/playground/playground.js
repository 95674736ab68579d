// Mounts GraphiQL on #graphiql, talking to this server's /graphql. The UMD
// globals React, ReactDOM and GraphiQL come from the scripts loaded before this
// one (all served by gqld). A file of its own, not an inline script: the page's
// Content-Security-Policy runs scripts from 'self' only.
'use strict';

(function mountPlayground() {
  const endpoint = new URL('/graphql', window.location.href).href;

  // The seed's query, to run at once with Ctrl-Enter.
  const defaultQuery = `# Ctrl-Enter or ▶ runs this query.
# Orders and customers may need a
# token: paste it under Headers as
# {"Authorization": "Bearer <token>"}
query Notebook {
  Product(productId: "notebook") {
    productId
    productName
    price
  }
}
`;

  // GraphiQL calls this for every operation, its introspection query included.
  // options.headers holds the Headers pane, parsed from its JSON.
  async function fetcher(params, options) {
    const response = await fetch(endpoint, {
      method: 'POST',
      credentials: 'same-origin',
      headers: {
        accept: 'application/graphql-response+json, application/json',
        'content-type': 'application/json',
        ...(options && options.headers),
      },
      body: JSON.stringify(params),
    });
    const text = await response.text();
    try {
      return JSON.parse(text);
    } catch {
      // Not a GraphQL response (a proxy's error page, say): show it rather than fail silently.
      return { errors: [{ message: `HTTP ${response.status} ${response.statusText}: ${text.slice(0, 500)}` }] };
    }
  }

  const container = document.getElementById('graphiql');
  ReactDOM.createRoot(container).render(
    React.createElement(GraphiQL, {
      fetcher,
      defaultQuery,
      isHeadersEditorEnabled: true,
      // A pasted token stays in this tab's memory, never in localStorage.
      shouldPersistHeaders: false,
      defaultEditorToolsVisibility: 'headers',
      // The schema docs (from introspection) open beside the editor.
      visiblePlugin: 'Documentation Explorer',
    }),
  );
})();

// react-router-dom as far as the console's bundle uses it (the matched route's params, navigate), and the matching of
// a path against the bundle's route objects the console's router would do. Shared by the Node tests and the harness.

/** The stub module: `state.params` are the matched route's, `state.navigate(to, options)` records a navigation. */
export function routerStub(state) {
  return { useParams: () => state.params, useNavigate: () => state.navigate };
}

/** The first route whose path (`/clusters/:cluster/edge-gpus/:node`) matches `path` whole, with its params. */
export function matchRoute(routes, path) {
  const parts = path.split("/").filter(Boolean);
  for (const route of routes) {
    const pattern = route.path.split("/").filter(Boolean);
    if (pattern.length !== parts.length) continue;
    const params = {};
    const matches = pattern.every((segment, index) => {
      if (segment.startsWith(":")) { params[segment.slice(1)] = decodeURIComponent(parts[index]); return true; }
      return segment === parts[index];
    });
    if (matches) return { route, params };
  }
  return null;
}

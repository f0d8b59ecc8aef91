// Stands in for the console around the extension's bundle, in Chromium: the console's globals from the query
// (?lang=zh&clusters=multi), the bundle fetched from /dist/ks-edge-gpu/index.js as the console fetches a JSBundle and
// loaded through System.register with React and a stub router, and the route matching the hash
// (#/clusters/<cluster>/edge-gpus[/<node>]) rendered. window.harness holds what scripts/lib/console-test.py reads.
import { matchRoute, routerStub } from "./router-stub.mjs";
import { loadRegistered, namespaceOf } from "./system-register.mjs";

const query = new URLSearchParams(location.search);
window.globals = {
  user: { lang: query.get("lang") || "en" },
  ksConfig: { multicluster: { clusterRole: query.get("clusters") === "multi" ? "host" : "none" } },
};
const harness = (window.harness = {
  params: {},
  navigations: [],
  navigate(to) {
    harness.navigations.push(to);
    history.replaceState(null, "", `#${to}`);
    show();
  },
});

const source = await (await fetch("/dist/ks-edge-gpu/index.js")).text();
const extension = loadRegistered(source, { react: namespaceOf(React), "react-router-dom": routerStub(harness) }).exports.default;
harness.menus = extension.menus;
const root = ReactDOM.createRoot(document.getElementById("console"));

function show() {
  const matched = matchRoute(extension.routes, location.hash.replace(/^#/, ""));
  harness.params = matched ? matched.params : {};
  harness.route = matched ? matched.route.path : null;
  // A new element each time, as the router gives one per render: the same component stays mounted between the routes.
  root.render(matched ? React.cloneElement(matched.route.element) : React.createElement("p", null, "no route"));
}

window.addEventListener("hashchange", show);
show();
harness.ready = true;

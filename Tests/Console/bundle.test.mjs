// The console's bundle (Public/console/index.js) in Node, as the console loads it: through System.register with the
// console's react and react-router-dom, its export read as an extension's, and each route rendered with react-dom/server.
// Run with NODE_PATH=/usr/share/nodejs (Debian's node-react and node-react-dom).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { afterEach, test } from "node:test";

import { matchRoute, routerStub } from "./router-stub.mjs";
import { loadRegistered, namespaceOf } from "./system-register.mjs";

const require = createRequire(import.meta.url);
const React = require("react");
const { renderToStaticMarkup } = require("react-dom/server");
const source = readFileSync(new URL("../../Public/console/index.js", import.meta.url), "utf8");

/** The bundle loaded afresh, with the router answering `params` and recording navigations. */
function load(params = {}, react = namespaceOf(React)) {
  const state = { params, navigations: [], navigate: (to, options) => state.navigations.push([to, options]) };
  const { dependencies, exports } = loadRegistered(source, { react, "react-router-dom": routerStub(state) });
  return { dependencies, extension: exports.default, state };
}

/** The element the console would render at `path`, rendered to HTML, and the frame's attributes. */
function render(path) {
  const { extension } = load();
  const matched = matchRoute(extension.routes, path);
  assert.ok(matched, `no route for ${path}`);
  const { extension: bound } = load(matched.params);
  const element = matchRoute(bound.routes, path).route.element;
  const html = renderToStaticMarkup(element);
  const attribute = (name) => (html.match(new RegExp(`${name}="([^"]*)"`)) || [])[1]?.replace(/&amp;/g, "&");
  return { html, src: attribute("src"), title: attribute("title") };
}

afterEach(() => { delete globalThis.globals; });

test("it imports only react and react-router-dom, as the console provides them", () => {
  assert.deepEqual(load().dependencies, ["react", "react-router-dom"]);
  assert.doesNotMatch(source, /\bimport\s*\(|require\(/, "no other module is loaded at run time");
});

test("its default export is an extension config: routes under the cluster, a cluster menu, English and Chinese", () => {
  const { extension } = load();
  assert.deepEqual(Object.keys(extension).sort(), ["locales", "menus", "routes"]);
  assert.deepEqual(extension.routes.map((route) => [route.parentRoute, route.path]), [
    ["/clusters/:cluster", "/clusters/:cluster/edge-gpus"],
    ["/clusters/:cluster", "/clusters/:cluster/edge-gpus/:node"],
  ]);
  for (const route of extension.routes) assert.ok(React.isValidElement(route.element), `${route.path} has an element`);
  const [menu, ...others] = extension.menus;
  assert.equal(others.length, 0);
  assert.equal(menu.parent, "cluster");
  // The console links a cluster menu entry to /clusters/<cluster>/<name>: the first route's last segment.
  assert.equal(`/clusters/:cluster/${menu.name}`, extension.routes[0].path);
  assert.deepEqual(Object.keys(extension.locales).sort(), ["en", "zh"]);
  assert.equal(extension.locales.en[menu.title], "Edge GPUs");
  assert.equal(extension.locales.zh[menu.title], "边缘 GPU");
  assert.deepEqual(Object.keys(extension.locales.en).sort(), Object.keys(extension.locales.zh).sort());
  for (const key of [menu.title, menu.desc]) {
    for (const lang of ["en", "zh"]) assert.ok(extension.locales[lang][key], `${lang} has ${key}`);
  }
});

test("one cluster: the fleet and a node open the operator page at the console's /proxy/ks-edge-gpu/", () => {
  const fleet = render("/clusters/host/edge-gpus");
  assert.equal(fleet.src, "/proxy/ks-edge-gpu/?lang=en#/");
  assert.equal(fleet.title, "Edge GPUs");
  assert.match(fleet.html, /^<iframe /);
  assert.equal(render("/clusters/host/edge-gpus/edge-orin-01").src, "/proxy/ks-edge-gpu/?lang=en#/nodes/edge-orin-01");
});

test("several clusters: a member's page through ks-apiserver's cluster dispatcher, in the user's language", () => {
  globalThis.globals = { user: { lang: "zh" }, ksConfig: { multicluster: { clusterRole: "host" } } };
  const node = render("/clusters/edge-site-1/edge-gpus/edge-orin-01");
  assert.equal(node.src, "/proxy-api/clusters/edge-site-1/proxy/ks-edge-gpu/?lang=zh#/nodes/edge-orin-01");
  assert.equal(node.title, "边缘 GPU");
  assert.equal(render("/clusters/host/edge-gpus").src, "/proxy-api/clusters/host/proxy/ks-edge-gpu/?lang=zh#/");
  // KubeSphere without multi-cluster says so: the same as no setting at all.
  globalThis.globals = { user: { lang: "en" }, ksConfig: { multicluster: { clusterRole: "none" } } };
  assert.equal(render("/clusters/host/edge-gpus").src, "/proxy/ks-edge-gpu/?lang=en#/");
});

test("names from the URL are encoded where they go into the frame's URL", () => {
  globalThis.globals = { ksConfig: { multicluster: { clusterRole: "host" } } };
  const { extension } = load({ cluster: "a b", node: "x?y#z" });
  const html = renderToStaticMarkup(extension.routes[1].element);
  assert.match(html, /src="\/proxy-api\/clusters\/a%20b\/proxy\/ks-edge-gpu\/\?lang=en#\/nodes\/x%3Fy%23z"/);
});

test("react given as the bare library (not a namespace) works the same", () => {
  const { extension } = load({ cluster: "host" }, React);
  assert.match(renderToStaticMarkup(extension.routes[0].element), /src="\/proxy\/ks-edge-gpu\/\?lang=en#\/"/);
});

// ks-edge-gpu in the KubeSphere console: a menu entry under each cluster ("Edge GPUs" / "边缘 GPU") and two routes that
// show the operator page of that cluster, the fleet (/clusters/:cluster/edge-gpus) and a node (…/edge-gpus/:node).
//
// The console loads this file with System.import from /dist/ks-edge-gpu/index.js (the JSBundle names ks-edge-gpu's
// own /console/index.js, so there is one copy). It is written by hand, with no build step: a System.register module
// that imports only react and react-router-dom, which the console provides, and uses React.createElement.
//
// The page is the operator page itself, in a frame, reached the way the console reaches every other cluster:
// - one cluster (KubeSphere without multi-cluster): /proxy/ks-edge-gpu/, which ks-console forwards to ks-apiserver and
//   whose ReverseProxy strips the prefix on to ks-edge-gpu;
// - several clusters: /proxy-api/clusters/<cluster>/proxy/ks-edge-gpu/. ks-console forwards /proxy-api/… to
//   ks-apiserver without that prefix; ks-apiserver's multi-cluster dispatcher sends /clusters/<cluster>/… to that
//   cluster's ks-apiserver (the host's own included) as /proxy/ks-edge-gpu/…, where the cluster's ReverseProxy answers.
// Both carry the user's token from the console's cookie, so ks-edge-gpu sees the user as ks-apiserver does.
System.register(["react", "react-router-dom"], function (_export) {
  "use strict";
  var React;
  var Router;
  return {
    setters: [
      function (module) { React = module.createElement ? module : module.default; },
      function (module) { Router = module; },
    ],
    execute: function () {
      var EXTENSION = "ks-edge-gpu";
      var LOCALES = {
        en: { EDGE_GPUS: "Edge GPUs", EDGE_GPUS_DESC: "GPUs of the cluster's edge nodes: Jetson boards and GPU servers" },
        zh: { EDGE_GPUS: "边缘 GPU", EDGE_GPUS_DESC: "集群边缘节点的 GPU：Jetson 板卡与 GPU 服务器" },
      };

      function consoleGlobals() {
        return (typeof globalThis !== "undefined" && globalThis.globals) || {};
      }

      /** The console's language: the user's setting, else its `lang` cookie, else the browser's; `en` or `zh`. */
      function language() {
        var user = consoleGlobals().user || {};
        var cookie = typeof document !== "undefined" ? (document.cookie.match(/(?:^|;\s*)lang=([^;]*)/) || [])[1] : null;
        var browser = typeof navigator !== "undefined" ? navigator.language : null;
        var chosen = String(user.lang || cookie || browser || "en").toLowerCase();
        return chosen.indexOf("zh") === 0 ? "zh" : "en";
      }

      /** Multi-cluster as the console decides it (@ks-console/shared isMultiCluster), without it: none means one. */
      function isMultiCluster() {
        var multicluster = (consoleGlobals().ksConfig || {}).multicluster;
        return Boolean(multicluster && multicluster.clusterRole && multicluster.clusterRole !== "none");
      }

      /** Where the operator page of `cluster` is, from the browser. */
      function pagePath(cluster) {
        var proxy = "/proxy/" + EXTENSION + "/";
        return isMultiCluster() && cluster ? "/proxy-api/clusters/" + encodeURIComponent(cluster) + proxy : proxy;
      }

      /** The page's own hash for a node (or the fleet), as the operator page routes it. */
      function pageHash(node) {
        return node ? "#/nodes/" + encodeURIComponent(node) : "#/";
      }

      /** The node the page shows, from its hash; null on the fleet. */
      function nodeOfHash(hash) {
        var match = /^#\/nodes\/([^/?]+)/.exec(hash || "");
        return match ? decodeURIComponent(match[1]) : null;
      }

      function EdgeGPUs() {
        var params = Router.useParams();
        var navigate = Router.useNavigate();
        var cluster = params.cluster;
        var node = params.node || null;
        var lang = language();
        var frame = React.useRef(null);
        // The frame loads once per cluster and language; moving between the fleet and a node changes its hash only.
        var source = React.useMemo(function () {
          return pagePath(cluster) + "?lang=" + lang + pageHash(node);
        }, [cluster, lang]); // eslint-disable-line react-hooks/exhaustive-deps

        // The console's URL chose a node (a link, back or forward): the page follows.
        React.useEffect(function () {
          var view = frame.current && frame.current.contentWindow;
          try {
            if (view && view.location.hash && nodeOfHash(view.location.hash) !== node) view.location.hash = pageHash(node);
          } catch (error) { /* another origin: the frame keeps its own way */ }
        }, [node]);

        // The page moved (a row opened, the fleet link): the console's URL follows, so it can be shared and reloaded.
        React.useEffect(function () {
          var element = frame.current;
          if (!element) return undefined;
          var watched = null;
          function follow() {
            var shown = nodeOfHash(watched.location.hash);
            var base = "/clusters/" + encodeURIComponent(cluster) + "/edge-gpus";
            var target = shown ? base + "/" + encodeURIComponent(shown) : base;
            if (shown !== node) navigate(target, { replace: true });
          }
          function attach() {
            try {
              watched = element.contentWindow;
              watched.addEventListener("hashchange", follow);
            } catch (error) { watched = null; }
          }
          element.addEventListener("load", attach);
          if (element.contentDocument && element.contentDocument.readyState === "complete") attach();
          return function () {
            element.removeEventListener("load", attach);
            try { if (watched) watched.removeEventListener("hashchange", follow); } catch (error) { /* gone */ }
          };
        }, [cluster, node, navigate]);

        return React.createElement("iframe", {
          ref: frame,
          src: source,
          title: LOCALES[lang].EDGE_GPUS,
          "data-extension": EXTENSION,
          style: { display: "block", width: "100%", height: "calc(100vh - 68px)", border: "none" },
        });
      }

      var PARENT = "/clusters/:cluster";
      var routes = [
        { parentRoute: PARENT, path: PARENT + "/edge-gpus", element: React.createElement(EdgeGPUs) },
        { parentRoute: PARENT, path: PARENT + "/edge-gpus/:node", element: React.createElement(EdgeGPUs) },
      ];
      var menus = [
        { parent: "cluster", name: "edge-gpus", title: "EDGE_GPUS", desc: "EDGE_GPUS_DESC", icon: "monitor", order: 2, skipAuth: true },
      ];

      _export("default", { routes: routes, menus: menus, locales: LOCALES });
    },
  };
});

// A small System.register loader, run by the Node tests and the browser harness alike, doing what the console's
// SystemJS does with an extension's bundle: run its text with a `System` whose register() records the dependencies and
// the declaration, hand the named modules to its setters, execute it, and return what it exported.

/** `modules` maps each name the console provides to its module namespace (`{ default, ...named }`). */
export function loadRegistered(source, modules) {
  let registration = null;
  const System = { register(dependencies, declare) { registration = { dependencies, declare }; } };
  new Function("System", source)(System);
  if (!registration) throw new Error("the bundle never called System.register");
  const exports = {};
  const exported = (name, value) => {
    if (typeof name === "object") Object.assign(exports, name); else exports[name] = value;
    return value;
  };
  const context = { import: () => Promise.reject(new Error("no dynamic imports here")), meta: { url: "/dist/ks-edge-gpu/index.js" } };
  const { setters = [], execute } = registration.declare(exported, context);
  registration.dependencies.forEach((name, index) => {
    if (!(name in modules)) throw new Error(`the bundle imports ${name}, which is not provided`);
    if (setters[index]) setters[index](modules[name]);
  });
  if (execute) execute();
  return { dependencies: registration.dependencies, exports };
}

/** A module namespace as SystemJS gives one for a CommonJS or UMD library: its default and its names. */
export const namespaceOf = (library) => ({ ...library, default: library });

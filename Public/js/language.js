// Which language the page speaks and how its messages are filled in: pure functions, so Node tests read them too.

/** The languages the page has a messages file for, and the locale each formats numbers and times with. */
export const LOCALES = { en: "en-US", zh: "zh-CN" };

/** The language asked for (`?lang=`, as the console passes its own), else the browser's first supported one, else English. */
export function pickLanguage(asked, browserLanguages = []) {
  for (const candidate of [asked, ...browserLanguages]) {
    const base = String(candidate || "").toLowerCase().split(/[-_]/)[0];
    if (base in LOCALES) return base;
  }
  return "en";
}

/** `template` with each `{name}` replaced by `params[name]`; a missing parameter stays visible rather than vanishing. */
export function fill(template, params = {}) {
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/** A translator for `messages` (falling back to `fallback`, then to the key, so a gap shows rather than breaks). */
export function translator(messages, fallback, locale) {
  const plural = new Intl.PluralRules(locale);
  const t = (key, params) => fill(messages[key] ?? fallback[key] ?? key, params);
  /** `key.one`, `key.other`…: the form the language uses for `count`. */
  t.count = (key, count, params = {}) => {
    const form = `${key}.${plural.select(count)}`;
    return t(form in messages || form in fallback ? form : `${key}.other`, { count, ...params });
  };
  return t;
}

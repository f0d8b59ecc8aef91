// The page's language, chosen once at load: ?lang= (the console passes its own), else the browser's. Numbers and times
// are formatted for it; the static HTML's marked strings are translated in place.
import { LOCALES, pickLanguage, translator } from "./language.js";
import en from "./locales/en.js";
import zh from "./locales/zh.js";

export const lang = pickLanguage(new URLSearchParams(location.search).get("lang"), navigator.languages || [navigator.language]);
export const locale = LOCALES[lang];
export const t = translator({ en, zh }[lang], en, locale);

const numberFormats = new Map();
/** `value` with exactly `digits` decimals, grouped as the language groups. */
export function formatNumber(value, digits = 0) {
  if (!numberFormats.has(digits)) {
    numberFormats.set(digits, new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }));
  }
  return numberFormats.get(digits).format(value);
}

export const formatDateTime = (date) => date.toLocaleString(locale);
export const formatTime = (date, options) => date.toLocaleTimeString(locale, options);

/** Translates `[data-i18n]` text and `[data-i18n-label]` aria-labels under `root`, and sets the document's language. */
export function translateStatic(root = document) {
  document.documentElement.lang = locale;
  for (const element of root.querySelectorAll("[data-i18n]")) element.textContent = t(element.dataset.i18n);
  for (const element of root.querySelectorAll("[data-i18n-label]")) element.setAttribute("aria-label", t(element.dataset.i18nLabel));
}

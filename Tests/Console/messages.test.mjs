// The operator page's messages (Public/js/locales/): English and Chinese say the same things with the same values,
// every key the page's code asks for exists and none is left unused, the Chinese has no English left, and the language
// is chosen and filled in as the page does it (Public/js/language.js).
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";

import { fill, pickLanguage, translator } from "../../Public/js/language.js";
import en from "../../Public/js/locales/en.js";
import zh from "../../Public/js/locales/zh.js";

const PLURAL = /\.(zero|one|two|few|many|other)$/;
const base = (key) => key.replace(PLURAL, "");
const params = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
const latin = (text) => text.replace(/\{\w+\}/g, "").match(/[A-Za-z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*/g) || [];
const allowed = new Set(JSON.parse(readFileSync(new URL("latin-in-chinese.json", import.meta.url), "utf8")).words);

const folder = new URL("../../Public/js/", import.meta.url);
const code = readdirSync(folder).filter((name) => name.endsWith(".js")).map((name) => readFileSync(new URL(name, folder), "utf8"))
  .concat(readFileSync(new URL("../index.html", folder), "utf8")).join("\n");

test("English and Chinese have the same messages, each plural with its 'other' form", () => {
  assert.deepEqual([...new Set(Object.keys(zh).map(base))].sort(), [...new Set(Object.keys(en).map(base))].sort());
  for (const messages of [en, zh]) {
    for (const key of Object.keys(messages).filter((key) => PLURAL.test(key))) assert.ok(`${base(key)}.other` in messages, key);
  }
});

test("each Chinese message fills in the same values as the English one, and none is empty", () => {
  for (const key of Object.keys(en)) {
    const chinese = zh[key] ?? zh[`${base(key)}.other`];
    assert.deepEqual(params(chinese), params(en[key]), key);
  }
  for (const [key, text] of [...Object.entries(en), ...Object.entries(zh)]) assert.ok(text.trim(), key);
});

test("the Chinese messages leave no English: only the listed names, acronyms and units", () => {
  const left = Object.entries(zh).flatMap(([key, text]) => latin(text).filter((word) => !allowed.has(word)).map((word) => `${key}: ${word}`));
  assert.deepEqual(left, []);
});

test("every message key in the page's code exists, and every message is used", () => {
  const namespaces = new Set(Object.keys(en).map((key) => key.split(".")[0]));
  const literals = new Set([...code.matchAll(/["`]([a-z]+(?:\.[A-Za-z0-9_]+)+)["`]/g)].map((match) => match[1])
    .filter((key) => namespaces.has(key.split(".")[0]) && !/\.(js|css|html|svg)$/.test(key)));
  const known = new Set([...Object.keys(en), ...Object.keys(en).map(base)]);
  assert.deepEqual([...literals].filter((key) => !known.has(key)), [], "keys the code asks for that no messages file has");
  // Keys built at run time: `status.${value}`, `fleet.column.${name}`, `process.${key}`, `error.code.${code}`.
  const dynamic = [...code.matchAll(/`([a-z]+(?:\.[A-Za-z]+)*\.)\$\{/g)].map((match) => match[1]);
  const unused = Object.keys(en).filter((key) => !literals.has(key) && !literals.has(base(key)) && !dynamic.some((prefix) => key.startsWith(prefix)));
  assert.deepEqual(unused, [], "messages nothing shows");
});

test("the language: ?lang= first, then the browser's first supported one, else English", () => {
  assert.equal(pickLanguage("zh", ["en-US"]), "zh");
  assert.equal(pickLanguage("zh-CN", []), "zh");
  assert.equal(pickLanguage("en", ["zh-CN"]), "en");
  assert.equal(pickLanguage(null, ["de-DE", "zh-TW", "en"]), "zh");
  assert.equal(pickLanguage("fr", ["ja"]), "en");
  assert.equal(pickLanguage("", []), "en");
});

test("messages are filled in, counted in the language's plural forms, and a gap shows rather than breaks", () => {
  const english = translator(en, en, "en-US");
  const chinese = translator(zh, en, "zh-CN");
  assert.equal(english.count("fleet.count", 1), "(1 node)");
  assert.equal(english.count("fleet.count", 2), "(2 nodes)");
  assert.equal(chinese.count("fleet.count", 1), "（共 1 个节点）");
  assert.equal(chinese("fleet.page", { page: 2, pages: 7 }), "第 2 页，共 7 页");
  assert.equal(english("no.such.key"), "no.such.key");
  assert.equal(fill("{a} of {b}", { a: 1 }), "1 of {b}");
});

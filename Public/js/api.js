// Every request the page makes, to relative URLs so it works under any path prefix (/proxy/ks-edge-gpu/).
import { t } from "./i18n.js";

export class APIError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

/** The API's JSON error in the page's language where the code has a message of its own, else the server's words. */
function describe(error) {
  const key = `error.code.${error.code}`;
  const message = t(key) === key ? error.message : t(key);
  return t("error.withCode", { message, code: error.code });
}

/** GET a JSON answer; an error status is read as the API's JSON error when it is one, else as the status line. */
export async function getJSON(path, { signal } = {}) {
  let response;
  try {
    response = await fetch(path, { headers: { accept: "application/json" }, signal });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new APIError(t("error.unreachable"), 0);
  }
  const type = response.headers.get("content-type") || "";
  if (!response.ok) {
    if (type.startsWith("application/json")) {
      const body = await response.json().catch(() => null);
      if (body && body.error) throw new APIError(describe(body.error), response.status);
    }
    throw new APIError(t("error.http", { status: response.status }), response.status);
  }
  if (!type.startsWith("application/json")) throw new APIError(t("error.notJSON", { type: type || t("error.nothing") }), response.status);
  return response.json();
}

export const nodePath = (node) => `edge/nodes/${encodeURIComponent(node)}/gpu`;

// Every request the page makes, to relative URLs so it works under any path prefix (/proxy/ks-edge-gpu/).

export class APIError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

/** GET a JSON answer; an error status is read as the API's JSON error when it is one, else as the status line. */
export async function getJSON(path, { signal } = {}) {
  let response;
  try {
    response = await fetch(path, { headers: { accept: "application/json" }, signal });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new APIError("ks-edge-gpu cannot be reached", 0);
  }
  const type = response.headers.get("content-type") || "";
  if (!response.ok) {
    if (type.startsWith("application/json")) {
      const body = await response.json().catch(() => null);
      if (body && body.error) throw new APIError(`${body.error.message} (${body.error.code})`, response.status);
    }
    throw new APIError(`HTTP ${response.status} ${response.statusText}`, response.status);
  }
  if (!type.startsWith("application/json")) throw new APIError(`expected JSON, got ${type || "nothing"}`, response.status);
  return response.json();
}

export const nodePath = (node) => `edge/nodes/${encodeURIComponent(node)}/gpu`;

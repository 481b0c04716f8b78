/**
 * Reading a request's body without trusting it: a size cap checked on the
 * declared length and again on the bytes as they arrive, then JSON (for the
 * API) or a form (for sign-in). A refusal is a status and a reason, never a
 * throw.
 *
 * @module
 */

/** The largest body the console accepts, in bytes. */
export const MAX_BODY_BYTES = 4096;

/** A body read, or the status and reason it was refused with. */
export type BodyResult<T> =
  | { ok: true; value: T }
  | { ok: false; status: number; error: string };

/** The body as text, at most `max` bytes of UTF-8. */
export async function readText(
  req: Request,
  max = MAX_BODY_BYTES,
): Promise<BodyResult<string>> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > max) return tooLarge(max);
  if (!req.body) return { ok: true, value: "" };
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > max) {
        await reader.cancel().catch(() => {});
        return tooLarge(max);
      }
      chunks.push(value);
    }
  } catch {
    return { ok: false, status: 400, error: "the body could not be read" };
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  try {
    return {
      ok: true,
      value: new TextDecoder("utf-8", { fatal: true }).decode(bytes),
    };
  } catch {
    return { ok: false, status: 400, error: "the body is not UTF-8" };
  }
}

/** The body as JSON; the request must say `Content-Type: application/json`. */
export async function readJson(req: Request): Promise<BodyResult<unknown>> {
  const type = req.headers.get("content-type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    return {
      ok: false,
      status: 415,
      error: "send the body as Content-Type: application/json",
    };
  }
  const text = await readText(req);
  if (!text.ok) return text;
  try {
    return { ok: true, value: JSON.parse(text.value) };
  } catch {
    return { ok: false, status: 400, error: "the body is not valid JSON" };
  }
}

/** The body as `application/x-www-form-urlencoded` fields. */
export async function readForm(
  req: Request,
): Promise<BodyResult<URLSearchParams>> {
  const type = req.headers.get("content-type") ?? "";
  if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(type)) {
    return { ok: false, status: 415, error: "send the form as a form" };
  }
  const text = await readText(req);
  return text.ok ? { ok: true, value: new URLSearchParams(text.value) } : text;
}

function tooLarge(max: number): BodyResult<never> {
  return {
    ok: false,
    status: 413,
    error: `the body is larger than ${max} bytes`,
  };
}

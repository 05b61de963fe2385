/**
 * The one fetch wrapper every API module uses: base URL, JSON, RFC 9457 problem details.
 *
 * The API base URL: same origin by default (the platform serves the app under `/app/` and the
 * APIs under `/v1/...`); a `<meta name="smis-api-base" content="https://...">` in index.html or
 * `VITE_SMIS_API_BASE` at build time (native builds, whose WebView origin is not the platform's)
 * point it elsewhere.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly type?: string,
  ) {
    super(detail ? `${title}: ${detail}` : title);
    this.name = 'ApiError';
  }
}

export interface HttpClient {
  readonly baseUrl: string;
  /** Sends and returns the parsed JSON (undefined for 204). Throws ApiError for non-2xx. */
  request<T>(
    method: string,
    path: string,
    options?: { body?: string; headers?: Record<string, string> },
  ): Promise<T>;
  /** The raw response (streams). */
  raw(
    method: string,
    path: string,
    init?: { headers?: Record<string, string>; signal?: AbortSignal },
  ): Promise<Response>;
}

export function resolveApiBase(
  doc: Pick<Document, 'querySelector'> | undefined = globalThis.document,
): string {
  const meta = doc?.querySelector<HTMLMetaElement>('meta[name="smis-api-base"]')?.content?.trim();
  const built = (import.meta as { env?: Record<string, string | undefined> }).env?.[
    'VITE_SMIS_API_BASE'
  ]?.trim();
  return (meta || built || '').replace(/\/+$/, '');
}

async function problemOf(response: Response): Promise<ApiError> {
  let body: { title?: string; detail?: string; type?: string; message?: string } = {};
  try {
    body = (await response.json()) as typeof body;
  } catch {
    // not JSON
  }
  return new ApiError(
    response.status,
    body.title ?? response.statusText ?? `HTTP ${response.status}`,
    body.detail ?? body.message,
    body.type,
  );
}

export function createHttpClient(
  baseUrl: string,
  fetchImpl: typeof fetch = (...a) => globalThis.fetch(...a),
): HttpClient {
  return {
    baseUrl,
    async request<T>(
      method: string,
      path: string,
      options: { body?: string; headers?: Record<string, string> } = {},
    ) {
      const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
      if (options.body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetchImpl(baseUrl + path, { method, headers, body: options.body });
      if (!response.ok) throw await problemOf(response);
      if (response.status === 204) return undefined as T;
      const text = await response.text();
      return (text ? JSON.parse(text) : undefined) as T;
    },
    async raw(method, path, init = {}) {
      const response = await fetchImpl(baseUrl + path, {
        method,
        headers: init.headers,
        signal: init.signal,
      });
      if (!response.ok) throw await problemOf(response);
      return response;
    },
  };
}

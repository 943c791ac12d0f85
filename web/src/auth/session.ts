/**
 * The staff session: tokens in localStorage, shared by every tab, renewed once for all.
 *
 * Refresh tokens are single use (a spent one presented again ends the session), so a renewal
 * runs under a Web Lock that every tab shares, and parallel requests in one tab wait for the
 * same renewal. Inside the lock the stored session is read again: when another tab renewed it
 * meanwhile, its tokens are used as they are.
 */

export const GRAPHQL_PATH = "/graphql";
const STORAGE_KEY = "punte.session";
const LOCK_NAME = "punte.session.renewal";
/** Renew this long before the access token expires, so no request carries a dying one. */
const RENEW_AHEAD_MS = 30_000;

export interface SessionUser {
  id: string;
  username: string;
  displayName: string;
  roles: readonly string[];
  department: string | null;
}

export interface Session {
  accessToken: string;
  refreshToken: string;
  expiresAt: string;
  user: SessionUser;
}

export type SignInResult = { ok: true } | { ok: false; code: string };

interface TokenPayload {
  accessToken: string | null;
  refreshToken: string | null;
  expiresAt: string | null;
  user: SessionUser | null;
  userErrors: { code: string; message: string }[];
}

const USER_FIELDS = "user { id username displayName roles department }";
const LOGIN = `mutation Login($input: LoginInput!) {
  login(input: $input) { accessToken refreshToken expiresAt ${USER_FIELDS} userErrors { code message } }
}`;
const REFRESH = `mutation RefreshSession($input: RefreshSessionInput!) {
  refreshSession(input: $input) { accessToken refreshToken expiresAt ${USER_FIELDS} userErrors { code message } }
}`;
const LOGOUT = `mutation Logout($input: LogoutInput!) { logout(input: $input) { userErrors { code } } }`;

/** A GraphQL answer's top-level error. */
export interface GraphQLErrorBody {
  message: string;
  extensions?: { code?: string };
}

export interface GraphQLResponse {
  data?: Record<string, unknown> | null;
  errors?: GraphQLErrorBody[];
}

async function post(
  query: string,
  variables: Record<string, unknown>,
  token: string | null,
  signal?: AbortSignal,
): Promise<GraphQLResponse> {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(GRAPHQL_PATH, {
    method: "POST",
    headers,
    body: JSON.stringify({ query, variables }),
    signal,
  });
  return (await response.json()) as GraphQLResponse;
}

function isUnauthenticated(body: GraphQLResponse): boolean {
  return (body.errors ?? []).some((error) => error.extensions?.code === "UNAUTHENTICATED");
}

function toSession(payload: TokenPayload): Session | null {
  const { accessToken, refreshToken, expiresAt, user } = payload;
  if (!accessToken || !refreshToken || !expiresAt || !user) return null;
  return { accessToken, refreshToken, expiresAt, user };
}

type Listener = () => void;

export class SessionStore {
  private readonly listeners = new Set<Listener>();
  private renewal: Promise<Session | null> | null = null;
  private cached: { raw: string | null; session: Session | null } = { raw: null, session: null };

  constructor(private readonly storage: Storage = localStorage) {
    globalThis.addEventListener?.("storage", (event) => {
      if (event.key === STORAGE_KEY || event.key === null) this.notify();
    });
  }

  /** The session as stored now (the same object while nothing changed). */
  current = (): Session | null => {
    const raw = this.storage.getItem(STORAGE_KEY);
    if (raw !== this.cached.raw) {
      this.cached = { raw, session: raw ? (JSON.parse(raw) as Session) : null };
    }
    return this.cached.session;
  };

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  async signIn(username: string, password: string): Promise<SignInResult> {
    const body = await post(LOGIN, { input: { username, password } }, null);
    const payload = body.data?.login as TokenPayload | undefined;
    const session = payload ? toSession(payload) : null;
    if (!session) {
      return { ok: false, code: payload?.userErrors[0]?.code ?? "unavailable" };
    }
    this.write(session);
    return { ok: true };
  }

  /** End this session on the server (best effort) and here, in every tab. */
  async signOut(): Promise<void> {
    const session = this.current();
    this.write(null);
    if (session) {
      // Logging out takes the (still valid) access token; the refresh token names the session.
      const input = { refreshToken: session.refreshToken };
      await post(LOGOUT, { input }, session.accessToken).catch(() => null);
    }
  }

  /** Send one operation with a valid access token, renewing it once when the server refuses it. */
  async request(
    query: string,
    variables: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<GraphQLResponse> {
    let session = this.current();
    if (session && Date.parse(session.expiresAt) - Date.now() < RENEW_AHEAD_MS) {
      session = await this.renew(session);
    }
    const body = await post(query, variables, session?.accessToken ?? null, signal);
    if (!session || !isUnauthenticated(body)) return body;
    const renewed = await this.renew(session);
    if (!renewed) return body;
    return post(query, variables, renewed.accessToken, signal);
  }

  /** Renew a stale session once for all callers of this tab and, through the lock, all tabs. */
  renew(stale: Session): Promise<Session | null> {
    if (!this.renewal) {
      this.renewal = this.withLock(() => this.renewLocked(stale)).finally(() => {
        this.renewal = null;
      });
    }
    return this.renewal;
  }

  private async renewLocked(stale: Session): Promise<Session | null> {
    const stored = this.current();
    if (!stored) return null;
    if (stored.accessToken !== stale.accessToken) return stored;
    let payload: TokenPayload | undefined;
    try {
      const body = await post(REFRESH, { input: { refreshToken: stored.refreshToken } }, null);
      payload = body.data?.refreshSession as TokenPayload | undefined;
    } catch {
      // The network failed: keep the session, the next request tries again.
      return stored;
    }
    const renewed = payload ? toSession(payload) : null;
    this.write(renewed);
    return renewed;
  }

  private async withLock<T>(work: () => Promise<T>): Promise<T> {
    const locks = globalThis.navigator?.locks;
    return locks ? await locks.request(LOCK_NAME, work) : await work();
  }

  private write(session: Session | null): void {
    if (session) this.storage.setItem(STORAGE_KEY, JSON.stringify(session));
    else this.storage.removeItem(STORAGE_KEY);
    this.notify();
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}

export const sessionStore = new SessionStore();

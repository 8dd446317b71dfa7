// The one HTTP client of the app (axios) and the session it holds.
//
// Threat model in docs/web.md. In short: the access token lives in this module's variable only
// (never localStorage/sessionStorage, never the DOM); the refresh token is the server's
// HttpOnly cookie `tg_refresh` (Path=/auth, SameSite=Strict), which this code never sees; a
// refresh or logout carries `X-CSRF-Token`, the value the server derived from the refresh token
// (from the login/refresh answer, or after a page reload from the JS-readable `tg_csrf` cookie).
import axios from 'axios';

let accessToken = null; // the bearer token: memory only
let csrfToken = null; // the CSRF value that goes with the current refresh cookie
let generation = 0; // bumped whenever accessToken changes (refresh, login, logout)
let refreshing = null; // the one refresh in flight, shared by everybody who waits for it
let onSessionEnded = () => {};

export const http = axios.create({
  headers: { Accept: 'application/json' },
  timeout: 30000,
});

/** Called with a reason id ('reuse', 'revoked', 'expired', 'ended', 'wrong_company') when a
 *  refresh fails: the app shows the login page with that reason's sentence. */
export function setSessionEndedHandler(fn) {
  onSessionEnded = fn;
}

function setSession(body) {
  accessToken = body.access_token;
  if (body.csrf_token) csrfToken = body.csrf_token;
  generation += 1;
}

function clearSession() {
  accessToken = null;
  csrfToken = null;
  generation += 1;
}

/** The `tg_csrf` cookie the server sets beside the HttpOnly refresh cookie (after a reload). */
function csrfFromCookie() {
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === 'tg_csrf') return decodeURIComponent(v.join('='));
  }
  return null;
}

/** Is this 401 the server saying the access token expired (RFC 6750 challenge)? */
function isExpiredTokenAnswer(response) {
  if (!response || response.status !== 401) return false;
  const challenge = response.headers['www-authenticate'] || '';
  return /error_description="token expired"/.test(challenge);
}

/** Maps a failed refresh to why the session ended. */
function endReason(error) {
  const r = error && error.response;
  if (!r) return 'network';
  const body = r.data && typeof r.data === 'object' ? r.data : {};
  const text = `${body.error || ''} ${body.details || ''} ${body.message || ''}`.toLowerCase();
  // `error` is the reason's short text (core/error.hpp): "token revoked", "tenant mismatch", ...
  if (text.includes('reuse')) return 'reuse';
  if (text.includes('tenant mismatch')) return 'wrong_company';
  if (text.includes('expired')) return 'expired';
  if (text.includes('revoked')) return 'revoked';
  return 'ended';
}

// Raw refresh: POST /auth/refresh with the cookie (the browser adds it) and X-CSRF-Token.
// Not through `http`, so its own 401 never re-enters the interceptor.
async function refreshNow(csrf) {
  const r = await axios.post(
    '/auth/refresh',
    {},
    { headers: { 'X-CSRF-Token': csrf || '', Accept: 'application/json' }, timeout: 30000 },
  );
  setSession(r.data);
  return r.data;
}

/** The one refresh: whoever needs it while it runs waits for the same promise. */
function sharedRefresh() {
  if (!refreshing) {
    refreshing = refreshNow(csrfToken || csrfFromCookie()).finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

http.interceptors.request.use(async (config) => {
  // Hold requests made while a refresh runs until it has ended.
  if (refreshing) {
    try {
      await refreshing;
    } catch {
      // the response side reports the failure
    }
  }
  config.tgGeneration = generation;
  if (accessToken) config.headers.Authorization = `Bearer ${accessToken}`;
  return config;
});

// THE response interceptor: a 401 "token expired" refreshes once and retries.
http.interceptors.response.use(
  (response) => response,
  async (error) => {
    const config = error.config;
    if (!config || config.tgRetried || !isExpiredTokenAnswer(error.response)) throw error;
    if (config.tgGeneration === generation) {
      // Sent with the current token: refresh (or join the refresh another request started).
      try {
        await sharedRefresh();
      } catch (refreshError) {
        if (accessToken !== null || csrfToken !== null) {
          clearSession();
          onSessionEnded(endReason(refreshError));
        }
        error.sessionEnded = true;
        throw error;
      }
    } else if (refreshing) {
      await refreshing.catch(() => {});
    }
    if (!accessToken) {
      error.sessionEnded = true;
      throw error;
    }
    config.tgRetried = true;
    return http(config);
  },
);

export async function tenantInfo() {
  return (await axios.get('/auth/tenant', { headers: { Accept: 'application/json' } })).data;
}

export async function login(email, password) {
  const r = await axios.post(
    '/auth/login',
    { email, password, session: 'cookie' },
    { headers: { Accept: 'application/json' } },
  );
  setSession(r.data);
}

/** After a page reload: ONE cookie refresh if the tg_csrf cookie is there. Returns
 *  null when the session was resumed, else the reason it could not be ('none' without cookie). */
export async function resume() {
  const csrf = csrfFromCookie();
  if (!csrf) return 'none';
  try {
    refreshing = refreshNow(csrf);
    await refreshing;
    return null;
  } catch (e) {
    clearSession();
    return endReason(e);
  } finally {
    refreshing = null;
  }
}

export async function logout() {
  // The cookie session (+ X-CSRF-Token) ends the whole refresh family; the bearer only when
  // there is no cookie session (an expired bearer would be refused before the cookie is read).
  const csrf = csrfToken || csrfFromCookie();
  const headers = { Accept: 'application/json' };
  if (csrf) headers['X-CSRF-Token'] = csrf;
  else if (accessToken) headers.Authorization = `Bearer ${accessToken}`;
  try {
    await axios.post('/auth/logout', {}, { headers });
  } finally {
    clearSession();
  }
}

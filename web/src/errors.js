// Every error the app shows is a sentence a person understands: built from the HTTP status
// and the server's reason (the `error` field of tenantgate's JSON errors), never raw JSON.

// Keyed by the reason's short text as the server sends it in `error` (core/error.hpp's message,
// e.g. "invalid credentials", "tenant mismatch"), matched from its start.
const BY_REASON = [
  ['invalid credentials', 'The email or password is not correct.'],
  ['tenant mismatch', "This session belongs to another company. Sign in at this company's address."],
  ['tenant inactive', "This company's account is not active."],
  ['unknown tenant', 'No company at this address.'],
  ['admin only', 'Only an administrator of this company can do this.'],
  ['permission denied', 'You are not allowed to do this.'],
  ['user already exists', 'A user with this email address exists already.'],
  ['already exists', 'That exists already.'],
  ['unknown user', 'That user does not exist (any more).'],
  ['invalid parameter value: email', 'That is not a valid email address.'],
  ['invalid parameter value: password must have', 'The password is too short (at least 8 characters).'],
  ['invalid parameter value: password too long', 'The password is too long.'],
  ['sign-up disabled', 'Sign-up is not open for this company.'],
  ['token expired', 'Your session has expired. Please sign in again.'],
  ['token revoked', 'Your session has ended. Please sign in again.'],
  ['unknown column', 'The table has no such column.'],
  ['invalid filter', 'The filter is not valid.'],
  ['login throttle table is full', 'Too many sign-in attempts right now. Please wait a moment and try again.'],
];

export const SESSION_ENDED = {
  reuse:
    'You were signed out: this session was used from somewhere else (an old sign-in was replayed), so it was ended everywhere for safety.',
  revoked:
    'You were signed out: this session was ended — signed out elsewhere, revoked by an administrator, or replayed from another browser (then it is ended everywhere, for safety).',
  expired: 'You were signed out because your session expired. Please sign in again.',
  wrong_company: 'This session belongs to another company. Sign in at this company\'s address.',
  network: 'The server cannot be reached, so you were signed out. Please sign in again when it is back.',
  ended: 'You were signed out: your session has ended. Please sign in again.',
};

function byStatus(status) {
  if (status === 400) return 'The server did not accept this input.';
  if (status === 401) return 'Your session has ended. Please sign in again.';
  if (status === 403) return 'You are not allowed to do this.';
  if (status === 404) return 'That was not found.';
  if (status === 409) return 'That conflicts with existing data (it may exist already).';
  if (status === 413) return 'That is too large.';
  if (status === 416) return 'There are no more rows on that page.';
  if (status === 429) return 'Too many attempts. Please wait a moment and try again.';
  if (status === 503) return 'The service is busy or restarting. Please try again in a moment.';
  if (status >= 500) return 'Something went wrong on the server. Please try again later.';
  return `The request failed (HTTP ${status}).`;
}

/** A sentence for an axios error (or anything thrown). */
export function describe(error) {
  const r = error && error.response;
  if (!r) {
    if (error && error.code === 'ECONNABORTED') return 'The server took too long to answer. Please try again.';
    return 'The server cannot be reached. Check your connection and try again.';
  }
  const body = r.data && typeof r.data === 'object' ? r.data : {};
  const reason = typeof body.error === 'string' ? body.error.toLowerCase() : '';
  const known = BY_REASON.find(([prefix]) => reason.startsWith(prefix));
  if (known) return known[1];
  const general = byStatus(r.status);
  // A database refusal of a value (a bad number, a too long text): its message is PostgreSQL's
  // own sentence, which names the problem without any token or JSON.
  if (r.status === 400 && typeof body.message === 'string' && body.message.length < 200) {
    return `${general} (${body.message})`;
  }
  return general;
}
